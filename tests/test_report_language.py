"""The report in a dean's words, in English and in French.

The summary sentences for the published Side-by-Side figures (81 respondents; fear for one's
career named by 18 for Faculty services and 2 for peer supporters; "would not be helpful" by 34
and 19) are checked word for word in both languages. The adjusted P values they rest on are
worked out by hand (tests/test_stats.py's Yates closed form, times Holm's factor: 8 for the
smallest of the 8 barriers, 7 for the second): .00034 x 8 = .0027, so "very unlikely to be
chance (P < .01)"; .0191 x 7 = .133, so no claim of a difference, "could be chance".
"""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from shared import bootstrap, config
from shared.i18n import LANGS
from shared.mail import make_mailer
from shared.report.summary import sentences
from shared.report.words import MESSAGES, NBSP, french_spacing, long_date, period_label, t
from shared.services import reports
from shared.services.imports import import_responses
from tests.test_report_statistics import PUBLISHED
from tests.test_report_support import (
    NOW,
    add_interactions,
    add_supporters,
    add_survey,
    log_answers,
    paired_answers,
)
from tests.test_stats import yates_by_hand

# Words spelled the same in both languages (the French catalogue has them, identical).
SAME_IN_FRENCH = {
    "minutes",
    "h_service_n",
    "h_interactions",
    "h_destination",
    "total",
    "h_p_plain",
    "effect_r",
}
NNBSP = NBSP  # the report uses one no-break space before French punctuation


def seed(store) -> None:
    add_survey(store, "2026", paired_answers(PUBLISHED), links_issued=100)
    ids = add_supporters(store, 3)
    add_interactions(
        store,
        [
            (ids[k % 3], date(2026, 9 + k % 2, 1 + k), log_answers(referral=("none", "counselling")[k % 2]))
            for k in range(12)
        ],
    )


def built(app, lang: str, **options) -> dict:
    chosen = reports.parse_options({"test": "independent", "lang": lang, **options})
    return reports.build(app, chosen, NOW)


def test_every_message_has_both_languages():
    # Every report message is a msgid of the one catalogue, with its own French (placeholders kept:
    # tests/test_translations.py checks that for every message).
    for key in MESSAGES:
        params = dict.fromkeys(re.findall(r"%\((\w+)\)s", MESSAGES[key]), 7)
        assert t("fr", key, **params) != t("en", key, **params) or key in SAME_IN_FRENCH, key


def test_the_adjusted_p_values_the_sentences_rest_on():
    assert 8 * yates_by_hand(18, 63, 2, 79) < 0.01
    assert round(7 * yates_by_hand(34, 47, 19, 62), 2) == 0.13


def test_summary_sentences_for_the_published_figures_in_english(app):
    seed(app.store)
    assert sentences(built(app, "en")) == [
        "81 students answered the survey (81.0% of links issued).",
        "Students were more likely to name “Fear of impact on my career” as a barrier to Faculty services "
        "(22.2%) than to peer supporters (2.5%); a difference this large is very unlikely to be chance (P < .01).",
        "“Belief that it would not be helpful” was named more often for Faculty services (42.0%) "
        "than for peer supporters (23.5%), but a difference this size could be chance (adjusted P = .13).",
        "Supporters logged 12 interactions; 6 led to a referral.",
    ]


def test_summary_sentences_for_the_published_figures_in_french(app):
    seed(app.store)
    s, n = NBSP, "\u202f"  # a no-break space before ":" and "%", a narrow one before ";"
    assert sentences(built(app, "fr")) == [
        f"81 étudiants et étudiantes ont répondu au sondage (81,0{s}% des liens émis).",
        f"Les étudiants et étudiantes ont plus souvent nommé «{s}La crainte de conséquences sur ma carrière{s}» "
        f"comme obstacle pour les services de la Faculté (22,2{s}%) que pour les pairs aidants (2,5{s}%){n}; il "
        f"est très peu probable qu'un écart aussi grand soit dû au hasard (P{s}<{s}0,01).",
        f"Les répondants ont nommé «{s}La conviction que cela ne m'aiderait pas{s}» plus souvent pour les services "
        f"de la Faculté (42,0{s}%) que pour les pairs aidants (23,5{s}%), mais un écart de cette taille pourrait "
        f"être dû au hasard (P ajustée{s}={s}0,13).",
        f"Les pairs aidants ont consigné 12 interactions{n}; 6 ont mené à une orientation.",
    ]


def test_no_claim_of_a_difference_without_a_test(app):
    # One respondent: every comparison has P = 1, so no sentence may claim a difference.
    add_survey(app.store, "2026", paired_answers({"career_impact": (0, 1, 0, 0)}))
    said = " ".join(sentences(built(app, "en")))
    assert "unlikely to be chance" not in said
    assert "No barrier was named more often" in said


def test_at_most_five_sentences_and_k10(app):
    k10 = {f"k10_{i}": 4 for i in range(1, 11)}  # 40: very high
    add_survey(app.store, "2026", paired_answers(PUBLISHED, extra=[k10] * 9), links_issued=100, k10=True)
    said = sentences(built(app, "en"))
    assert len(said) <= 5
    assert (
        "9 of the 9 respondents who answered the distress questions reported high or very high distress"
        in (" ".join(said))
    )


def test_french_typography_in_the_words():
    assert french_spacing("Période : 12 % ? oui !") == f"Période{NBSP}: 12{NBSP}%{NBSP}? oui{NBSP}!"
    assert long_date(date(2026, 9, 1), "fr") == "1er septembre 2026"
    assert period_label(date(2025, 9, 1), date(2026, 8, 31), "fr") == "du 1er septembre 2025 au 31 août 2026"
    assert period_label(date(2025, 9, 1), date(2026, 8, 31), "en") == "1 September 2025 to 31 August 2026"


def test_french_text_has_decimal_commas_and_no_english_labels(app):
    seed(app.store)
    text = reports.render(built(app, "fr"), "text")
    assert f"Interactions consignées{NBSP}: 12" in text
    assert f"18 (22,2{NBSP}%)" in text and "22.2" not in text
    assert f"Taux de réponse{NBSP}: 81,0{NBSP}% des 100 liens émis" in text
    assert "Comment ces chiffres ont été calculés" in text
    for english in ("Key figures", "Interactions by month", "Response rate", "Barrier\n"):
        assert english not in text


def test_text_part_lines_fit_78_columns(app):
    seed(app.store)
    for lang in LANGS:
        text = reports.render(built(app, lang), "text")
        assert max(len(line) for line in text.splitlines()) <= 78


def test_the_final_report_is_named_as_such(app):
    seed(app.store)
    first_of_september = datetime(2026, 9, 1, 11, 0, tzinfo=UTC)  # 07:00 in Toronto
    options = reports.ReportOptions(scheduled=True, lang="fr")
    text = reports.render(reports.build(app, options, first_of_september), "text")
    title = " ".join(text.split("\n=", 1)[0].splitlines())  # the title wraps at 78 columns
    assert title == (
        f"Programme de soutien par les pairs Side-by-Side{NBSP}: rapport final de l'année universitaire 2025-2026 "
        "(du 1er septembre 2025 au 31 août 2026)"
    )


def test_report_language_setting_is_checked(tmp_path):
    env = {"SIDEBYSIDE_BASE_URL": "http://localhost", "SIDEBYSIDE_REPORT_LANGUAGE": "de"}
    with pytest.raises(
        config.ConfigError, match=r"^SIDEBYSIDE_REPORT_LANGUAGE='de' is not valid: expected en or fr$"
    ):
        config.load(env, base=tmp_path)
    assert config.load({"SIDEBYSIDE_BASE_URL": "http://localhost"}, base=tmp_path).report_language == "en"


def test_french_report_end_to_end_through_smtp(app, smtp_server):
    seed(app.store)
    settings = dataclasses.replace(app.settings, report_language="fr")
    mailed = bootstrap.configure(
        settings=settings, store=app.store, mailer=make_mailer(smtp_server.target, "report@example.org")
    )
    result = reports.send_scheduled_report(mailed, NOW, options=reports.ReportOptions(test="independent"))
    assert result["status"] == "sent"
    [received] = smtp_server.messages
    message = received.message
    assert message["Subject"] == (
        f"Programme de soutien par les pairs Side-by-Side{NBSP}: rapport du 1er septembre 2026 au 31 octobre 2026"
    )
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    for part in (text_part, html_part):
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    text, html = text_part.get_content(), html_part.get_content()
    assert max(len(line) for line in text.splitlines()) <= 78
    assert "En bref" in text and "En bref" in html and '<html lang="fr">' in html
    assert f"18 (22,2{NBSP}%)" in text
    [attachment] = list(message.iter_attachments())
    frame = pd.read_csv(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig")))
    barriers = frame[frame["table"] == "barriers"].set_index(["row", "column"])
    assert (
        barriers.loc[("La crainte de conséquences sur ma carrière", "Services de la Faculté, n (%)"), "count"]
        == 18
    )
    assert frame["percent"].dtype.kind == "f"


ENGLISH = re.compile(r"\b(the|and|was|were|answers?|respondents?|nobody|every|only)\b", re.I)


def assert_french(text: str) -> None:
    found = ENGLISH.search(text)
    assert found is None, text[max(0, found.start() - 80) : found.end() + 80]


def test_a_french_report_says_nothing_in_english_whatever_it_meets(app, tmp_path):
    # Empty: no survey, no interactions.
    assert_french(reports.render(built(app, "fr"), "text"))
    # One respondent with a partial K10, a stored value the form no longer has, few years of study.
    k10 = {f"k10_{i}": 2 for i in range(1, 10)}
    add_survey(app.store, "2025", [], opens=date(2025, 4, 1))
    add_survey(
        app.store,
        "2026",
        paired_answers({"career_impact": (0, 1, 0, 0)}, extra=[k10]),
        k10=True,
        links_issued=3,
    )
    ids = add_supporters(app.store, 2)
    add_interactions(
        app.store,
        [
            (ids[0], date(2026, 10, 2), log_answers(format="carrier_pigeon", year_of_study="year1")),
            (ids[1], date(2026, 10, 3), log_answers(year_of_study="year2", duration_minutes=None)),
        ],
    )
    for test in ("paired", "independent"):
        for audience in ("coordinators", "shared"):
            assert_french(reports.render(built(app, "fr", test=test, audience=audience), "text"))
    # Answers imported from a file: no response rate, said in French.
    source = tmp_path / "old.csv"
    source.write_text(
        "barriers.faculty_services.stigma,barriers.peer_support.stigma\n1,0\n0,0\n", encoding="utf-8"
    )
    import_responses(app.store, app.settings, source, "2026")
    assert_french(reports.render(built(app, "fr"), "text"))
