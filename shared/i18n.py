"""The one message catalogue, for code that runs outside a Flask request.

Every user-facing sentence outside the form definitions lives in the gettext catalogue
``shared/translations/{en,fr}/LC_MESSAGES/messages.po`` (English msgids, French msgstrs with French
typography). The console's pages read it through Flask-Babel; the CLI, the jobs, the emails, the
error pages, the form messages and the report read the same compiled files here, through the
standard library's :mod:`gettext` (the ``.mo`` format is gettext's own; Babel is the tooling that
writes it, and importing it would cost the log and survey functions' cold start), loaded once
per language. ``make translations`` extracts the
calls below (``babel.cfg`` names them as keywords) and ``tests/test_translations.py`` checks that
every message in the code is in the catalogue, in both languages.

Placeholders are Python's ``%(name)s``, as gettext tools expect (Babel flags them
``python-format`` and checks that a translation keeps them); a literal percent sign is ``%%`` in
every message, with or without placeholders, since every message is formatted.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

LANGS = ("en", "fr")
DIRECTORY = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for "mark now, translate when shown")
    """Marks ``message`` for extraction where it is defined; :func:`translate` translates it later."""
    return message


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang`` (English for an unknown language), read once;
    a missing ``.mo`` file is an error at first use, never a silent fallback to the msgids."""
    return gettext.translation(DOMAIN, str(DIRECTORY), [lang if lang in LANGS else "en"])


def translate(lang: str, msgid: str, **params: object) -> str:
    """``msgid`` in ``lang``, its ``%(name)s`` placeholders filled from ``params``."""
    return translations(lang).gettext(msgid) % params


def translate_plural(lang: str, singular: str, plural: str, num: int, **params: object) -> str:
    """The form of a counted message that fits ``num`` in ``lang`` (French has its own plural rule:
    0 and 1 take the singular); ``%(num)s`` is the count, as in Flask-Babel."""
    text = translations(lang).ngettext(singular, plural, num)
    return text % {"num": num, **params}


def bilingual(render: Callable[[str], str]) -> str:
    """An email body in English then French (the program's mail goes to people whose language it
    does not know): ``render(lang)`` writes one language's copy."""
    return f"(Le français suit.)\n\n{render('en')}\n\n-----\n\n{render('fr')}\n"
