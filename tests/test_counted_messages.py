"""Counts before nouns take each language's plural (new-user trial of issues 11 and 14, item 6).

The report and the dashboard wrote "1 answers for 6 links", "0 answers for 1 links",
"follow-up(s)", and in French "1 extrapolés", "1 réponses", "consigné 0 interactions" (French
takes the singular for 0 and 1). A message that puts a count before a noun must be a plural
message (``translate_plural`` in Python, ``ngettext`` in the console's templates), so the catalogue
holds each language's forms. These scans find the messages that do not: in the whole catalogue, a
count followed by "word(s)"; in the messages of the report and the dashboard, a count followed
by a counted noun in a message that has no plural forms.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from shared.i18n import translate_plural

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {**DEFAULT_KEYWORDS, "translate": (2,), "translate_plural": (2, 3)}  # as the Makefile's
# The report's and the dashboard's code and templates: what they mark for the catalogue.
SOURCES = [
    *sorted((ROOT / "shared" / "report").glob("*.py")),
    ROOT / "shared" / "services" / "dashboard.py",
]
TEMPLATES = [ROOT / "forms" / "templates" / "console" / name for name in ("dashboard.html", "report.html")]
NOUNS = (
    "answers?|links?|interactions?|respondents?|students?|totals?|referrals?|barriers?|services?|days?|"
    "rows?|supporters?|minutes?|scores?|items?|questions?|pairs?|follow-ups?|emails?|addresses"
)
# A count placeholder, perhaps one word that qualifies it ("3 more answers", "2 K10 totals"), and
# a counted noun.
COUNTED = re.compile(rf"%\(\w+\)s (?:(?:more|complete|current|partial|K10) )?(?:{NOUNS})\b")
PARENTHESISED_S = re.compile(r"\w\(s\)")


def marked(path: Path, method: str) -> list[tuple[str, ...]]:
    """Each message ``path`` marks, as its msgid (and plural), as pybabel extracts it."""
    found = []
    for _line, message, _comments, _context in extract_from_file(method, path, keywords=KEYWORDS):
        found.append((message,) if isinstance(message, str) else tuple(m for m in message if m))
    return found


def report_and_dashboard_messages() -> list[tuple[str, ...]]:
    return [
        *(m for path in SOURCES for m in marked(path, "python")),
        *(m for path in TEMPLATES for m in marked(path, "jinja2")),
    ]


def test_the_scan_finds_what_it_should():
    assert COUNTED.search("%(n)s answers for %(links)s links")
    assert COUNTED.search("Barriers to seeking help (%(n)s respondents)")
    assert COUNTED.search("from %(n)s K10 totals")
    assert not COUNTED.search("%(p1)s of students who used peer support")  # a share, not a count
    assert not COUNTED.search("counts under %(threshold)s by student characteristic")
    assert PARENTHESISED_S.search("%(n)s answer(s) list") and not PARENTHESISED_S.search("%(n)s answers")
    messages = report_and_dashboard_messages()
    assert ("%(num)s answer", "%(num)s answers") in messages  # the dashboard's template
    assert any(m[0].startswith("%(num)s interaction answered") for m in messages)  # the report's code
    assert len(messages) > 150


def test_no_message_in_the_catalogue_counts_with_a_parenthesised_s():
    with (ROOT / "shared" / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    found = [
        m.id
        for m in catalogue
        if m.id
        for text in (m.id if isinstance(m.id, tuple) else (m.id,))
        if re.search(r"%\(\w+\)s [\w-]+\(s\)", text)
    ]
    assert found == []


def test_report_and_dashboard_messages_that_count_have_plural_forms():
    singular_only = [m[0] for m in report_and_dashboard_messages() if len(m) == 1]
    assert [m for m in singular_only if COUNTED.search(m)] == []
    assert [m for m in report_and_dashboard_messages() for text in m if PARENTHESISED_S.search(text)] == []


def test_french_takes_the_singular_for_zero_and_one():
    assert translate_plural("fr", "%(num)s answer", "%(num)s answers", 0) == "0 réponse"
    assert translate_plural("fr", "%(num)s answer", "%(num)s answers", 1) == "1 réponse"
    assert translate_plural("fr", "%(num)s answer", "%(num)s answers", 2) == "2 réponses"
    assert translate_plural("en", "%(num)s answer", "%(num)s answers", 0) == "0 answers"
    assert translate_plural("en", "%(num)s link", "%(num)s links", 1) == "1 link"
