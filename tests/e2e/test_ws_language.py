"""Which language a socket speaks: as a page's, the user's stored choice, then the switcher's
cookie, then the page's own language (``?language=``, which a page served in its clinic's
language sends), then the handshake's Accept-Language. A socket signed in later by an ``auth``
message takes its new user's choice. The scripts' catalog follows the page's language too."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from django.utils import translation

from scheduler.adapters.orm import models as rows
from scheduler.entrypoints.ws.consumers import UNKNOWN_MESSAGE
from tests import factories
from tests.e2e.sockets import live, receive, session_cookie, socket, token_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("own_channel_layer"),
]


def unknown_in(language: str) -> str:
    with translation.override(language):
        return translation.gettext(UNKNOWN_MESSAGE)


def header(name: str, value: str) -> tuple[bytes, bytes]:
    return (name.encode(), value.encode())


async def refusal(path: str, headers: list[tuple[bytes, bytes]]) -> str:
    """What the socket answers a message it does not know."""
    async with socket(path, headers=headers) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        await ws.send_json_to({"type": "no-such-thing"})
        detail: str = (await receive(ws))["detail"]
        return detail


def test_the_persian_text_is_persian() -> None:
    assert unknown_in("fa") != unknown_in("en")  # else the tests below prove nothing


@live
async def test_the_pages_language_comes_after_the_readers_choice_and_before_the_browser(
    doctor: rows.Doctor,
) -> None:
    path = f"/ws/slots/{doctor.pk}/?days=1"
    german = header("accept-language", "de-DE,de;q=0.9")
    english_browser = header("accept-language", "en")

    assert await refusal(path, [german]) == unknown_in("en")  # the site's default
    assert await refusal(f"{path}&language=fa", [german]) == unknown_in("fa")
    assert await refusal(f"{path}&language=fa", [english_browser]) == unknown_in("fa")
    assert await refusal(f"{path}&language=xx", [header("accept-language", "fa")]) == unknown_in(
        "fa"
    )
    # The switcher's cookie beats the page's language, as it beats the clinic's default.
    cookie = header("cookie", f"{settings.LANGUAGE_COOKIE_NAME}=en")
    assert await refusal(f"{path}&language=fa", [cookie]) == unknown_in("en")
    # And so does the signed-in user's stored choice.
    patient = await database_sync_to_async(factories.patient)(language="en")
    signed_in = await session_cookie(patient.user)
    assert await refusal(f"{path}&language=fa", [signed_in]) == unknown_in("en")


@live
async def test_a_socket_signed_in_by_an_auth_message_speaks_its_users_language(
    doctor: rows.Doctor,
) -> None:
    patient = await database_sync_to_async(factories.patient)(language="fa")
    token = await token_for(patient.user)
    async with socket(
        f"/ws/slots/{doctor.pk}/?days=1", headers=[header("accept-language", "en")]
    ) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        await ws.send_json_to({"type": "no-such-thing"})
        before = (await receive(ws))["detail"]
        await ws.send_json_to({"type": "auth", "token": token})
        assert (await receive(ws))["type"] == "snapshot"
        await ws.send_json_to({"type": "no-such-thing"})
        after = (await receive(ws))["detail"]
    assert before == unknown_in("en")
    assert after == unknown_in("fa")


@live
async def test_a_user_with_no_stored_choice_keeps_the_handshakes_language(
    doctor: rows.Doctor,
) -> None:
    patient = await database_sync_to_async(factories.patient)(language="")
    token = await token_for(patient.user)
    async with socket(f"/ws/slots/{doctor.pk}/?days=1&language=fa") as ws:
        assert (await receive(ws))["type"] == "snapshot"
        await ws.send_json_to({"type": "auth", "token": token})
        assert (await receive(ws))["type"] == "snapshot"
        await ws.send_json_to({"type": "no-such-thing"})
        assert (await receive(ws))["detail"] == unknown_in("fa")


# The catalog writes its texts as JSON, non-ASCII escaped.
LIVE_IN_PERSIAN = json.dumps("زنده")[1:-1]


def test_the_scripts_catalog_is_in_the_language_the_page_names(db: None) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="de-DE")
    english = browser.get("/jsi18n/")
    persian = browser.get("/jsi18n/?language=fa")
    unknown = browser.get("/jsi18n/?language=xx")
    assert english.status_code == persian.status_code == unknown.status_code == 200
    assert LIVE_IN_PERSIAN not in english.content.decode()
    assert LIVE_IN_PERSIAN in persian.content.decode()
    assert persian["Content-Language"] == "fa"
    assert unknown.content == english.content
    # Without the parameter, the request's language, as before.
    assert LIVE_IN_PERSIAN in Client(HTTP_ACCEPT_LANGUAGE="fa").get("/jsi18n/").content.decode()
