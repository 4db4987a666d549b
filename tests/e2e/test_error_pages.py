"""The site's own 400 and 500 pages, in the reader's language: Django's bare "Bad Request
(400)" page, in English whatever the reader spoke, was what an oversized form got."""

from __future__ import annotations

import pytest
from django.template.loader import get_template
from django.test import Client
from django.utils import translation

PERSIAN = '<html lang="fa" dir="rtl">'


@pytest.mark.django_db
def test_an_oversized_form_gets_the_sites_400_page_in_the_readers_language() -> None:
    too_big = "x" * 3_000_000  # over Django's 2.5 MB for a form's body

    persian = Client().post("/language/", {"language": too_big}, HTTP_ACCEPT_LANGUAGE="fa")
    english = Client().post("/language/", {"language": too_big}, HTTP_ACCEPT_LANGUAGE="en")

    assert persian.status_code == english.status_code == 400
    page = persian.content.decode()
    assert PERSIAN in page and "آن درخواست خوانده نشد" in page
    assert "Bad Request" not in page
    assert "That request could not be read" in english.content.decode()


def test_the_500_page_renders_with_no_request_and_no_database() -> None:
    """As Django renders it after a failure (maybe the database's): no request, no context
    processors. Without the django_db mark, a query here fails the test."""
    with translation.override("fa"):
        page = get_template("500.html").render()

    assert PERSIAN in page and "مشکلی پیش آمد" in page
    assert 'href="/"' in page


def test_the_favicon_is_found_where_browsers_look_for_it(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/web/favicon.svg")  # the icon every page links
