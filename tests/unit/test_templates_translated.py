"""No words on a page outside the translation machinery: every template of the pages, read with
Django's own template lexer, has in its plain text (outside {% translate %} and
{% blocktranslate %}) nothing left that has letters once the HTML tags, comments and entities
are taken out. A word typed straight into a template would stay English on a Persian page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

TEMPLATES = Path(__file__).resolve().parents[2] / "src/scheduler/entrypoints/web/templates"

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
# What an attribute or markup carries that nobody reads: the inside of a <script>/<style>, the
# doctype.
_CODE = re.compile(r"<(script|style)\b.*?</\1>|<!doctype[^>]*>", re.DOTALL | re.IGNORECASE)
_VALUE = "\x00"
_LETTER = re.compile(r"[^\W\d_]")
# Attributes a person reads or hears: a word typed into one is as visible as the page's text.
_READ_ATTRIBUTES = re.compile(
    r"""\b(?:title|alt|placeholder|aria-label|aria-description|label)\s*=\s*("[^"]*"|'[^']*')"""
)


def untranslated(source: str) -> list[str]:
    """The pieces of ``source``'s plain text that still hold words."""
    found: list[str] = []
    inside = 0  # within a blocktranslate (its text is the message) or a {% comment %}
    text = ""
    for token in Lexer(source).tokenize():
        if token.token_type is TokenType.BLOCK:
            name = token.split_contents()[0]
            if name in ("blocktranslate", "blocktrans", "comment"):
                inside += 1
            elif name in ("endblocktranslate", "endblocktrans", "endcomment"):
                inside -= 1
            elif not inside:
                text += _VALUE  # a tag or a variable: what it shows is not this text
            continue
        if token.token_type is TokenType.VAR and not inside:
            text += _VALUE
        if token.token_type is TokenType.TEXT and not inside:
            text += token.contents
    found += _words(text)
    return found


def _words(text: str) -> list[str]:
    text = _CODE.sub(" ", _COMMENT.sub(" ", text))
    words = [value for value in _READ_ATTRIBUTES.findall(text) if _LETTER.search(value)]
    for between_tags in _TAG.split(text):
        for piece in between_tags.split(_VALUE):
            piece = _ENTITY.sub(" ", piece).strip()
            if _LETTER.search(piece):
                words.append(piece)
    return words


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_word_of_a_page_is_translatable(template: Path) -> None:
    assert untranslated(template.read_text(encoding="utf-8")) == []


def test_the_check_sees_words_in_text_and_in_attributes_but_not_in_markup_or_messages() -> None:
    source = (
        '{% load i18n %}<p class="hint" id="x">{% translate "Hello" %} {{ name }}</p>'
        "{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}<!-- a note -->&nbsp;·"
        "{% comment %}Why this is so{% endcomment %}"
    )
    assert untranslated(source) == []
    assert untranslated("<p>Book a visit</p>") == ["Book a visit"]
    assert untranslated('<a title="live updates" href="#">{{ x }}</a>') == ['"live updates"']
    assert untranslated("{% if a %}also at{% endif %}") == ["also at"]


def test_every_template_is_looked_at() -> None:
    assert TEMPLATES / "web/home.html" in _templates()
    assert TEMPLATES / "admin/statistics.html" in _templates()
