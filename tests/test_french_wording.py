"""French typography and fitting wording on every student and supporter page (issue 12,
items 16 and 17).

French sets a no-break space before ``? ! ; : %`` and inside « guillemets » (Office québécois
de la langue française, Banque de dépannage linguistique, « Espacement avant et après les
signes de ponctuation »): a narrow no-break space (U+202F) or a no-break space (U+00A0), so the
sign never starts a line. Both the sources (every form label, and the French of every message
of the catalogue that these pages' code marks) and the pages as rendered are scanned, so a
string added later, or one built from pieces, is caught too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from shared import config
from shared.forms import load_form
from tests.test_log_support import add_supporter, as_form
from tests.test_log_support import answers as log_answers
from tests.test_survey_links import issue, new_survey

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "forms"
# The code of the student's and the supporter's pages: what it marks for the catalogue
# (N_, translate, translate_plural) is what those pages can say.
PAGE_CODE = (
    "shared/web/log_interaction.py",
    "shared/web/log_corrections.py",
    "shared/web/log_follow_ups.py",
    "shared/web/survey.py",
    "shared/web/errors.py",
    "shared/services/interactions.py",
    "shared/services/corrections.py",
    "shared/services/follow_ups.py",
    "shared/services/follow_up_corrections.py",
    "shared/services/digest.py",
    "shared/services/surveys.py",
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "shared" / "forms").glob("*.py"))),
)
KEYWORDS = {**DEFAULT_KEYWORDS, "translate": (2,), "translate_plural": (2, 3)}  # as the Makefile's
NO_BREAK = "\u00a0\u202f"
# A sign with no no-break space before it (a letter, a digit or an ordinary space there), an
# opening guillemet not followed by one, a closing guillemet not preceded by one.
FAULT = re.compile(rf"(?<=[^{NO_BREAK}])[?!;:%]|«(?=[^{NO_BREAK}])|(?<=[^{NO_BREAK}])»")
NOT_PROSE = re.compile(r"https?://\S+|\d:\d\d|\{\w+\}|%\(\w+\)[sdr]")  # addresses, times, placeholders


def faults(text: str) -> list[str]:
    """Each place in ``text`` where French typography wants a no-break space and has none."""
    prose = NOT_PROSE.sub(" x ", text.replace("%%", "%"))
    return [prose[max(0, m.start() - 12) : m.end()] for m in FAULT.finditer(prose)]


def test_the_check_finds_what_it_should():
    assert faults("En crise? Appelez") == ["En crise?"]
    assert faults("En crise ? Appelez") == ["En crise ?"]  # an ordinary space may break the line
    assert len(faults("« Urgent » : oui")) == 3
    assert faults("En crise\u202f? «\u00a0Urgent\u00a0»\u00a0: 50\u202f% https://x.org/a?b=1 à 14:30") == []
    assert len(faults("Le %(day)s: %(n)s %%")) == 2  # a catalogue's message: its placeholders are not prose
    assert faults("Le %(day)s\u00a0: %(n)s\u202f%%") == []


def _french(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "fr" and isinstance(value, str):
                yield where, value
            else:
                yield from _french(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _french(value, f"{where}[{n}]")


def page_messages() -> dict[str, str]:
    """msgid -> where it is marked, for every message the pages' code marks for the catalogue."""
    found: dict[str, str] = {}
    for path in PAGE_CODE:
        for line, message, _comments, _context in extract_from_file("python", ROOT / path, keywords=KEYWORDS):
            for msgid in (message,) if isinstance(message, str) else message:
                found.setdefault(msgid, f"{path}:{line}")
    return found


def french_catalogue() -> dict[str, str]:
    """msgid -> its French in the catalogue ("" when missing, empty or fuzzy)."""
    with (ROOT / "shared" / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale="fr")
    out: dict[str, str] = {}
    for m in catalogue:
        if m.id and not m.fuzzy:
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            for msgid in ids:
                out[msgid] = " ".join(strings) if all(strings) else ""
    return out


def french_sources() -> Iterator[tuple[str, str]]:
    """Every French string a student or supporter page can show, where it is defined."""
    for path in sorted([*FORMS.glob("*.yaml"), *FORMS.glob("blocks/*.yaml")]):
        yield from _french(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    french = french_catalogue()
    for msgid, where in page_messages().items():
        yield f"{where} {msgid!r}", french.get(msgid, "")
    yield "config CRISIS_LINE_FR", config.DEFAULTS["CRISIS_LINE_FR"]
    yield "config SUPPORT_RESOURCES_FR", config.DEFAULTS["SUPPORT_RESOURCES_FR"]


def test_the_pages_messages_are_found():
    messages = page_messages()
    assert "Logged this month: %(count)s" in messages  # the supporter's page
    assert "This survey is not open yet." in messages  # the student's
    assert "There is no entry of yours to change here. It may have been deleted already." in messages
    assert "“%(label)s”: please answer this question." in messages  # form validation
    assert len(messages) > 100


def test_every_page_message_has_its_french():
    french = french_catalogue()
    assert sorted(m for m in page_messages() if not french.get(m)) == []


def test_every_french_string_in_the_sources():
    found = [(where, text, faults(text)) for where, text in french_sources() if faults(text)]
    assert found == []


class _Shown(HTMLParser):
    """The text a reader meets: text nodes (not style or script) and the attributes read out
    or shown (``data-*`` holds log.js's messages, which it writes into the page)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("style", "script")
        for name, value in attrs:
            if value and (name.startswith("data-") or name in ("title", "alt", "aria-label", "placeholder")):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data)


def shown(html: str) -> list[str]:
    parser = _Shown()
    parser.feed(html)
    return parser.parts


def test_every_french_page_as_rendered(app, client_for):
    """The supporter's and the student's pages in French, plain and with every kind of error."""
    log, answers = client_for("log_interaction"), client_for("survey")
    token = add_supporter("Sam").token
    pages = {
        "log form": log.get(f"/?t={token}&lang=fr"),
        "log form, errors": log.post(
            "/?lang=fr", data={"t": token, "submission_id": "x", "duration_minutes": "0"}
        ),
        "log thanks": log.get(f"/thanks?t={token}&lang=fr"),
        "log bad link": log.get("/?t=nope&lang=fr"),
    }
    entry = log.get(f"/thanks?t={token}&lang=fr")  # nothing logged yet: no list
    mine = as_form(log_answers(note="Stress des examens"), token)  # a note is not one of our strings
    assert log.post("/?lang=fr", data=mine).status_code == 303
    [logged] = [
        line
        for line in log.get(f"/?t={token}").get_data(as_text=True).split('"')
        if "id=" in line and "entry?" in line
    ]
    entry_id = logged.split("id=")[1].split("&")[0]
    pages["log form with entries"] = log.get(f"/?t={token}&lang=fr")
    pages["log thanks, edited"] = log.get(f"/thanks?t={token}&lang=fr&done=edited")
    pages["entry"] = log.get(f"/entry?t={token}&id={entry_id}&lang=fr")
    pages["entry, errors"] = log.post("/entry?lang=fr", data={"t": token, "id": entry_id, "format": "fax"})
    pages["entry, delete"] = log.get(f"/entry/delete?t={token}&id={entry_id}&lang=fr")
    pages["entry, not yours"] = log.get(f"/entry?t={token}&id=nope&lang=fr")
    assert entry.status_code == 200
    new_survey(app, k10=True)
    first, second = issue(app, count=2)
    pages["survey"] = answers.get(f"/{first}?lang=fr")
    pages["survey, errors"] = answers.post(f"/{first}?lang=fr", data={"year_of_study": "year9", "k10_1": "7"})
    answers.post(f"/{second}?lang=fr", data={"year_of_study": "year1"})
    pages["survey, answered"] = answers.get(f"/{second}?lang=fr")
    pages["survey thanks"] = answers.get("/thanks?lang=fr")
    pages["survey, unknown link"] = answers.get(f"/{'x' * 43}?lang=fr")
    assert page_faults(pages) == {}


def page_faults(pages: dict[str, Any]) -> dict[str, list[str]]:
    """Each French page's typography faults, by name (none: left out)."""
    found = {}
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert '<html lang="fr">' in html, name
        bad = [f for part in shown(html) for f in faults(part)]
        if bad:
            found[name] = bad
    return found


def test_every_french_follow_up_page_and_the_digest_as_rendered(app, client_for, smtp_server):
    """Issue 14's pages in French: the overview with a close just made, a follow-up's form and
    its entry with the uptake question, their errors, the digest's pages, the survey with every
    block (its intro's time and notice), and the digest's French half."""
    from shared import bootstrap
    from shared.mail import make_mailer
    from shared.services import digest
    from tests.test_alerts import SENDER

    log = client_for("log_interaction")
    sam = add_supporter("Sam", "sam@example.org")

    def note_answers(**changes):  # a note is the supporter's text, not one of our strings
        return log_answers(**{"note": "Stress des examens", **changes})

    token = sam.token

    def logged(**changes) -> str:
        posted = as_form(note_answers(**changes), token)
        assert log.post("/?lang=fr", data=posted).status_code == 303, changes
        return posted["submission_id"]

    referred = logged(referral="counselling", follow_up_due=date.today().isoformat())
    closed = logged(referral="none")
    log.post(f"/follow-ups/{closed}/close?lang=fr", data={"t": token, "state": "not_needed"})
    configured = bootstrap.configure(
        settings=app.settings, store=app.store, mailer=make_mailer(smtp_server.target, SENDER)
    )
    digest.send_digests(configured.store, configured.settings, configured.mailer, datetime.now(UTC))
    [mail] = smtp_server.messages
    text = mail.message.get_body(("plain",)).get_content()
    opt_out = re.search(r"/log_interaction(/digest-off\?k=\S+)", text).group(1)
    pages = {
        "overview, closed": log.get(f"/?t={token}&lang=fr&closed={closed}"),
        "overview, reopened": log.get(f"/?t={token}&lang=fr&reopened={referred}"),
        "follow-up form": log.get(f"/?t={token}&lang=fr&follows={referred}"),
    }
    bad = {
        **as_form(note_answers(occurred_on="2000-01-01"), token),
        "follows": referred,
        "referral_uptake": "x",
    }
    pages["follow-up form, errors"] = log.post("/?lang=fr", data={**bad, "follow_up_due": "2000-01-01"})
    follow_up = logged(follow_up_planned=False, follows=referred, referral_uptake="connected")
    pages["follow-up entry"] = log.get(f"/entry?t={token}&id={follow_up}&lang=fr")
    pages["follow-up entry, errors"] = log.post(
        "/entry?lang=fr",
        data={"t": token, "id": referred, **as_form(note_answers(follow_up_planned=False), token)},
    )
    pages["digest off, asked"] = log.get(f"{opt_out}&lang=fr")
    pages["digest off, done"] = log.post(f"{opt_out}&lang=fr")
    pages["form, digest off"] = log.get(f"/?t={token}&lang=fr")
    pages["digest on"] = log.post("/digest-on?lang=fr", data={"t": token})
    new_survey(app, blocks=["k10", "phq9", "gad7", "help_seeking", "service_use"])
    [link] = issue(app)
    pages["survey, every block"] = client_for("survey").get(f"/{link}?lang=fr")
    french = text[text.index("(Le français suit.)") + 20 :].split("-----", 1)[1]
    assert page_faults(pages) == {}
    assert faults(french.replace(opt_out, "")) == []


def test_one_answer_one_french_term_and_students_said_alike():
    """The report says the uptake answers as the form does ("Non, par choix", not "Refusé");
    French says "étudiants et étudiantes" throughout (the program's inclusive style), a skipped
    question is "n'importe quelle question", and the uptake question is grammatical."""
    french = french_catalogue()
    uptake = load_form("follow_up").field("referral_uptake")
    labels = {str(c.id): c.label.fr for c in uptake.choices}
    assert french["Declined"] == labels["declined"] == "Non, par choix"
    assert french["Not yet"] == labels["not_yet"]
    assert uptake.label.fr.startswith("Est-ce que l'étudiant ou l'étudiante a pris contact")
    texts = [text for _, text in french_sources()] + list(french.values())
    assert [
        t for t in texts if re.search(r"\b(les|des|aux|mêmes) étudiants(?! et étudiantes)", t, re.I)
    ] == []
    assert [t for t in texts if "toute question" in t] == []


# -- item 17: the barrier list fits each service ----------------------------------------------


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"\w{4,}", text.lower())}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_barrier_names_one_service_under_every_service(lang):
    """The barriers are shown under each service of the matrix, so none may name what belongs
    to one service only ("the services would not help", said of peer supporters)."""
    survey_form = load_form("end_of_year_survey")
    for field in survey_form.fields():
        if not field.rows:
            continue
        own = [_words(row.label.get(lang)) for row in field.rows]
        only_one = set().union(*own) - set.intersection(*own)
        for choice in field.choices:
            assert not _words(choice.label.get(lang)) & only_one, (field.id, choice.id, lang)
