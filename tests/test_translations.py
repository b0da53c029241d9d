"""The one message catalogue: every message the code marks is in it, in English and French,
French keeps every placeholder and French typography, and the committed .mo files match the .po.

Extraction here is what ``make translations`` runs: ``babel.cfg``'s sections with the Makefile's
keywords for :mod:`shared.i18n` (``translate:2``, ``translate_plural:2,3``).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from shared import i18n
from shared.error_table import TABLE, one_line
from shared.errors import Invalid, NotFoundError, ServiceError
from shared.web.errors import MESSAGES as ERROR_MESSAGES
from shared.web.errors import message_in

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "shared" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "translate": (2,), "translate_plural": (2, 3)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]")  # r: a value shown quoted, as repr() does


def extracted() -> dict[str, str | tuple[str, ...]]:
    """msgid -> the message as extracted (a tuple for a plural), exactly as pybabel extract finds it."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, str | tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found[message if isinstance(message, str) else message[0]] = message
    return found


def catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_the_makefile_extracts_with_the_same_keywords():
    makefile = (ROOT / "Makefile").read_text()
    assert "-k translate:2 -k translate_plural:2,3" in makefile


def test_extraction_finds_the_messages_of_every_part():
    messages = extracted()
    assert "Sign in to the console" in messages  # console page
    assert "“%(label)s”: please answer this question." in messages  # form validation
    assert ERROR_MESSAGES["not_found"] in messages  # error pages
    assert "An Idempotency-Key header (or a submission_id in the body) is required." in messages
    assert "%(program)s: report for %(period)s" in messages  # the report
    assert len(messages) > 300


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_message_in_the_code_is_translated(lang):
    cat = catalogue(lang)
    missing = sorted(
        m for m in extracted() if m not in cat or not cat[m].string or cat[m].fuzzy or not all(cat[m].string)
    )
    assert missing == [], f"run `make translations` and translate these in {lang}: {missing}"


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, list | tuple) else [message.string]


def test_the_english_catalogue_says_what_the_code_says():
    """An English msgstr is its msgid (``make translations`` fills it so), except where the msgid
    is a code (``already_invited``) that the catalogue turns into words: a msgstr that says
    something else is a slip, such as two entries glued together by a merge."""
    for m in catalogue("en"):
        if not m.id or (isinstance(m.id, str) and " " not in m.id):
            continue
        ids = [m.id] if isinstance(m.id, str) else [m.id[0], *[m.id[1]] * (len(_forms(m)) - 1)]
        assert _forms(m) == ids, m.id


def test_no_french_message_holds_another_entrys_english():
    """A French msgstr never contains an English msgid of the catalogue (a merge that glued two
    entries together showed a stray English sentence on a French page)."""
    sentences = {m.id for m in catalogue("fr") if isinstance(m.id, str) and len(m.id) > 30}
    for m in catalogue("fr"):
        for text in _forms(m):
            glued = [s for s in sentences if s != m.id and s in (text or "")]
            assert not glued, (m.id, glued)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_catalogue_holds_nothing_the_code_no_longer_says(lang):
    stale = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id)
    assert sorted(set(stale) - set(extracted())) == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_compiled_catalogue_is_up_to_date(lang):
    def plain(value):  # a plural's forms are a list in a .mo, a tuple in a .po
        return tuple(value) if isinstance(value, list | tuple) else value

    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(f) if m.id}
    source = {plain(m.id): plain(m.string) for m in catalogue(lang) if m.id and m.string and not m.fuzzy}
    assert compiled == source, "the .mo is stale: run `make translations`"


def test_both_catalogues_compile_without_errors(tmp_path):
    # pybabel compile checks every python-format translation against its msgid.
    for lang in ("en", "fr"):
        result = subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(TRANSLATIONS), "-l", lang]
            + ["-o", str(tmp_path / f"{lang}.mo")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0 and "error" not in result.stderr.lower(), result.stderr


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def test_french_keeps_every_placeholder():
    for message in catalogue("fr"):
        if message.id:
            wanted = sorted(PLACEHOLDER.findall(_ids(message)[-1]))
            for text in _strings(message):
                # A French singular may say "un" where English has the count.
                assert sorted(set(PLACEHOLDER.findall(text))) <= sorted(set(wanted)), message.id
                assert sorted(PLACEHOLDER.findall(text)) == wanted or len(_strings(message)) > 1, message.id


def typography_faults(text: str) -> list[str]:
    """Places where French typography wants a no-break space (U+00A0 or U+202F) before ``: ; ? ! %``
    (and inside « »): a plain space there, or none at all. A colon with no space after it (a URL, a
    time, ``application/json``) and a percent sign inside ``(%)`` are not punctuation."""
    text = PLACEHOLDER.sub("X", text).replace("%%", "%")
    faults = re.findall(r".{0,12} [;:!?%»].{0,3}|.{0,12}« .{0,3}", text)  # a plain space before
    faults += re.findall(r".{0,12}[\w)»”][;!?].{0,3}", text)  # no space at all
    faults += re.findall(r".{0,12}[\w)»”]:(?:\s|$).{0,3}", text)
    faults += re.findall(r".{0,12}\d%.{0,3}", text)
    return faults


def test_typography_faults_are_found():
    assert typography_faults("En crise ?") and typography_faults("En crise?") and typography_faults("Note: x")
    assert typography_faults("« Date » : x") and typography_faults("95 %") and typography_faults("95%")
    assert typography_faults("En crise\u00a0?") == []
    assert typography_faults("Voir https://example.org à 12:30, n (%%), %(n)s\u00a0%%") == []


def test_french_typography_in_every_french_message():
    """Issue 12 item 16: "En crise ?" with the no-break space, everywhere French is shown."""
    faults = {
        _ids(m)[0]: found
        for m in catalogue("fr")
        if m.id
        for found in [typography_faults(" ".join(_strings(m)))]
        if found
    }
    assert faults == {}


def test_translate_outside_a_request():
    assert i18n.translate("fr", ERROR_MESSAGES["not_found"]) == "Il n'y a rien à cette adresse."
    assert i18n.translate("de", ERROR_MESSAGES["not_found"]) == "There is nothing at this address."
    assert i18n.translate("en", "%(program)s: report for %(period)s", program="P", period="2026") == (
        "P: report for 2026"
    )


def test_no_message_hides_inside_an_f_string():
    # Python 3.11's tokenizer gives pybabel an f-string as one token: a call inside it is not extracted.
    hidden = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in (ROOT / "shared").rglob("*.py")
        for line in path.read_text().splitlines()
        if re.search(r"""f["'][^"']*\{(?:translate|translate_plural|_|gettext|ngettext|N_)\(""", line)
    ]
    assert hidden == []


def test_counted_messages_take_each_language_s_plural():
    singular = "%(num)s respondent skipped the K10 questions."
    plural = "%(num)s respondents skipped the K10 questions."
    assert i18n.translate_plural("en", singular, plural, 1) == "1 respondent skipped the K10 questions."
    assert i18n.translate_plural("en", singular, plural, 0) == "0 respondents skipped the K10 questions."
    assert (
        i18n.translate_plural("fr", singular, plural, 0) == "0 répondant n'a pas répondu au K10."
    )  # French: 0 is singular
    assert i18n.translate_plural("fr", singular, plural, 3) == "3 répondants n'ont pas répondu au K10."


def test_every_code_the_error_table_shows_instead_of_a_message_has_its_own_text():
    hidden = {outcome.code for outcome in TABLE.values() if not outcome.public}
    assert hidden <= set(ERROR_MESSAGES)


def _domain_error_names() -> set[str]:
    """ServiceError and every class in shared/ that derives from it, by name."""
    trees = [ast.parse(path.read_text()) for path in (ROOT / "shared").rglob("*.py")]
    names, grew = {"ServiceError"}, True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    if any(isinstance(b, ast.Name) and b.id in names for b in node.bases):
                        names.add(node.name)
                        grew = True
    return names


# Messages still built from pieces (English wherever shown), in code other work is changing: the
# report's claim and send (shared/services/reports.py) and the import's header and file reports.
BUILT_FROM_PIECES = {
    ("shared/services/reports.py", "send_scheduled_report"),
}


def test_domain_errors_carry_a_msgid_and_its_values_apart():
    """A domain error's message is a constant msgid, its values in ``params``, so the edge can
    say it in the reader's language (issue 9 item 6: "There is no survey 'x'" was English on
    French pages); an f-string or a sum cannot be found in the catalogue."""
    names = _domain_error_names()
    built: set[tuple[str, str]] = set()

    class Finder(ast.NodeVisitor):
        def __init__(self, path: str) -> None:
            self.path, self.where = path, ["<module>"]

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802 (ast's name)
            self.where.append(node.name)
            self.generic_visit(node)
            self.where.pop()

        def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
            if isinstance(node.func, ast.Name) and node.func.id in names and node.args:
                if isinstance(node.args[0], ast.JoinedStr | ast.BinOp):
                    built.add((self.path, self.where[-1]))
            self.generic_visit(node)

    for path in (ROOT / "shared").rglob("*.py"):
        Finder(str(path.relative_to(ROOT))).visit(ast.parse(path.read_text()))
    assert built == BUILT_FROM_PIECES


def test_a_domain_error_is_said_in_each_language_and_english_on_the_command_line():
    error = NotFoundError("There is no survey %(survey)r.", params={"survey": "y1"})
    assert one_line(error) == "There is no survey 'y1'."  # the CLI's line
    assert message_in(error, "fr") == "Il n'y a aucun sondage 'y1'."
    assert message_in(error, "en") == "There is no survey 'y1'."
    assert message_in(NotFoundError("There is no such alert."), "fr") == "Cette alerte n'existe pas."
    # Text from elsewhere, without params, is shown as raised: its "%" is no placeholder.
    relayed = ServiceError("The relay said: 100% full (%s)")
    assert message_in(relayed, "fr") == one_line(relayed) == "The relay said: 100% full (%s)"
    assert message_in(Invalid("", errors={"alias": ["x"]}), "fr") == ""
    assert message_in(ValueError("not an email address."), "fr") == "not an email address."
