"""Every console message is in English and French, and the committed .mo files match the .po."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "shared" / "translations"
METHODS = [("shared/web/console/**.py", "python"), ("forms/templates/console/**.html", "jinja2")]


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), METHODS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_the_extraction_finds_the_console_messages():
    messages = extracted()
    assert "Sign in to the console" in messages and "Alert acknowledged." in messages
    assert len(messages) > 100


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_console_message_has_a_translation(lang):
    cat = catalogue(lang)
    missing = sorted(m for m in extracted() if m not in cat or not cat[m].string or cat[m].fuzzy)
    assert missing == [], f"run `make translations` and translate these in {lang}: {missing}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_compiled_catalogue_is_up_to_date(lang):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    source = {m.id: m.string for m in catalogue(lang) if m.id and m.string and not m.fuzzy}
    assert compiled == source, "the .mo is stale: run `make translations`"


def test_french_keeps_every_placeholder():
    cat = catalogue("fr")
    for message in cat:
        if message.id:
            assert sorted(re.findall(r"%\(\w+\)s", message.id)) == sorted(
                re.findall(r"%\(\w+\)s", message.string)
            ), message.id
