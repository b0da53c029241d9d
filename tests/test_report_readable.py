"""Figures and words a dean can read (new-user trial of issues 11 and 14, items 3, 4, 5, 7, 8 and
the report's counted words of item 6), on the in-memory store, in English and French.

Reference values for the year-against-year effect sizes come from R's documentation of
``wilcox.test`` (Hollander & Wolfe 1973, p. 69: W = 35 for the permeability constants), and from
the definitions, worked by hand here: the probability of superiority is U / (n1 n2) (McGraw KO,
Wong SP. A common language effect size statistic. Psychol Bull 1992;111:361-5; Vargha A, Delaney
HD. J Educ Behav Stat 2000;25:101-32, whose A is the same figure with ties counted half), and r is
z / sqrt(n1 + n2) with z = (U - n1 n2 / 2) / sqrt(n1 n2 (n1 + n2 + 1) / 12) when nothing is tied.
"""

from __future__ import annotations

import math
import re
from datetime import date

import pytest

from shared.report.build import ReportRequest, build_report
from shared.report.render import to_csv, to_text
from shared.report.summary import sentences
from shared.report.tables import tables
from shared.services import reports
from tests.test_report_language import assert_french
from tests.test_report_outcome_privacy import store_with
from tests.test_report_support import FIRST, NOW, TODAY, add_survey, paired_answers

NBSP, NNBSP = "\u00a0", "\u202f"


def built(app, lang: str = "en", **options):
    return reports.build(app, reports.parse_options({"lang": lang, **options}), NOW)


def flat(text: str) -> str:
    """The text part without its 78-column wrapping (no-break spaces kept)."""
    return re.sub(r"[ \n]+", " ", text)


# --- Item 3: which answer is peer-support use ----------------------------------------------------


def peer_use_rows() -> list[dict]:
    """Forty respondents: the service-use block's own answer, and the survey's own question.
    Three disagree: two said "yes" in the block and "never" to the survey's question, one "no"
    and "once". Two skipped the block's question: the survey's question decides for them. Every
    cell of the service-use table is 9 or more, so the shareable copy shows it."""
    rows = []
    for k in range(40):
        block = k < 20  # used peer supporters, in the block
        core = "once" if block else "never"
        rows.append(
            {"used_peer_supporters": block, "used_peer_support": core, "used_counselling": k % 2 == 0}
        )
    rows[0]["used_peer_support"] = rows[1]["used_peer_support"] = "never"  # yes / never
    rows[20]["used_peer_support"] = "once"  # no / once
    for k in (38, 39):  # skipped the block's question; the survey's says "more than once"
        del rows[k]["used_peer_supporters"]
        rows[k]["used_peer_support"] = "more_than_once"
    for row in rows:
        row.update(used_wellness=False, used_physician=False)
    return rows


def test_peer_support_use_is_defined_and_disagreements_are_counted(app):
    store = store_with({"2026": peer_use_rows()}, blocks=("service_use",))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY)
    su = report.survey.outcomes.service_use
    # The block's answer counts (22 used: 20 in the block and the 2 who skipped it but said so
    # in the survey's question), the survey's question only for those who skipped the block's.
    assert su.table == [[11, 11], [9, 9]]
    assert su.disagree == 3
    text = flat(to_text(report))
    assert (
        "Peer-support use: the answer to “The peer supporters of the peer support program” in the service-use "
        "questions; for a respondent who skipped it, the survey's question “Did you use the peer support "
        "program this year?” (once or more counts as use)."
    ) in text
    assert (
        "3 respondents answered the two questions differently; the table follows the service-use answer."
        in text
    )
    french = flat(to_text(build_report(store, app.settings, ReportRequest(), today=TODAY, lang="fr")))
    assert f"Recours aux pairs aidants{NBSP}: la réponse à «{NBSP}Les pairs aidants du programme" in french
    assert f"3 répondants ont répondu différemment aux deux questions{NNBSP};" in french


def test_the_shareable_copy_says_a_small_disagreement_count_as_fewer_than(app):
    store = store_with({"2026": peer_use_rows()}, blocks=("service_use",))
    shared = build_report(store, app.settings, ReportRequest(audience="shared"), today=TODAY)
    su = shared.survey.outcomes.service_use
    assert not su.suppressed and su.disagree is None
    assert "Fewer than 5 respondents answered the two questions differently" in flat(to_text(shared))
    assert '"disagree": 3' not in reports.render(shared, "json")


# --- Item 4: year-against-year effect sizes ------------------------------------------------------

# Hollander & Wolfe's permeability constants as GAD-7 totals with the same ranks (the 15 values,
# smallest first, become 0 to 14): x has ranks 1, 3, 4, 7 and 10 to 15, y ranks 2, 5, 6, 8, 9.
THIS_YEAR = [0, 2, 3, 6, 9, 10, 11, 12, 13, 14]
LAST_YEAR = [1, 4, 5, 7, 8]


def gad7(total: int) -> dict[str, int]:
    """GAD-7 answers (seven items, 0 to 3) adding up to ``total``."""
    return {f"gad7_{i + 1}": min(3, max(0, total - 3 * i)) for i in range(7)}


def test_the_year_against_year_table_shows_r_and_the_chance_a_score_is_higher(app):
    this, last = [gad7(v) for v in THIS_YEAR], [gad7(v) for v in LAST_YEAR]
    store = store_with({"2025": last, "2026": this}, blocks=("gad7",))
    report = build_report(store, app.settings, ReportRequest(), today=TODAY)
    [gad] = report.survey.outcomes.by_year
    # R: wilcox.test(x, y) gives W = 35 (two-sided exact P = 0.2544); U / (n1 n2) = 35 / 50.
    assert gad.p == pytest.approx(0.2544, abs=5e-5)
    assert gad.superiority == pytest.approx(35 / 50)
    # By pair counting, independently of any rank formula.
    wins = sum((x > y) + 0.5 * (x == y) for x in THIS_YEAR for y in LAST_YEAR)
    assert gad.superiority == pytest.approx(wins / 50)
    z = (35 - 25) / math.sqrt(10 * 5 * 16 / 12)
    assert gad.r == pytest.approx(z / math.sqrt(15))  # 0.3162
    text = flat(to_text(report))
    row = "GAD-7 total (0-21)"
    shown = "This survey (n): 9.5 (10) Previous (n): 5.0 (5) Test: P = .25 Effect size: r = 0.32 Chance higher: 70%"
    assert f"{row} {shown}" in text
    assert "the chance that a random respondent of this survey scored higher than a random respondent" in text
    html = reports.render(report, "html")
    assert "r = 0.32" in html and ">70%<" in html
    french = flat(to_text(build_report(store, app.settings, ReportRequest(), today=TODAY, lang="fr")))
    assert f"Taille d'effet{NBSP}: r = 0,32 Probabilité d'un score plus élevé{NBSP}: 70{NBSP}%" in french
    assert f"{row},Chance higher,,70.0," in to_csv(report)


def test_the_help_seeking_rows_of_the_year_table_say_what_they_measure(app):
    this = [{"seek_faculty": 5, "seek_peers": 6}, {"seek_faculty": 4, "seek_peers": 7}]
    last = [{"seek_faculty": 3, "seek_peers": 4}, {"seek_faculty": 2, "seek_peers": 5}]
    store = store_with({"2025": last, "2026": this}, blocks=("help_seeking",))
    expected = {
        "en": [
            "Help-seeking intention, Faculty services (median, 1-7)",
            "Help-seeking intention, peer supporters (median, 1-7)",
        ],
        "fr": [
            "Intention de demander de l'aide aux services de la Faculté (médiane, 1 à 7)",
            "Intention de demander de l'aide aux pairs aidants (médiane, 1 à 7)",
        ],
    }
    for lang, labels in expected.items():
        report = build_report(store, app.settings, ReportRequest(), today=TODAY, lang=lang)
        assert [c.label for c in report.survey.outcomes.by_year] == labels


# --- Item 5: why no barrier is compared ----------------------------------------------------------


def test_a_survey_without_barrier_answers_says_so_rather_than_too_few(app):
    add_survey(app.store, "2026", [{"year_of_study": "year1"} for _ in range(16)])
    said = " ".join(sentences(built(app)))
    assert "too few" not in said
    assert (
        "None of the 16 respondents answered the barrier questions, so Faculty services and peer supporters "
        "cannot be compared."
    ) in said
    french = " ".join(sentences(built(app, "fr")))
    assert "trop peu" not in french
    assert "Aucun des 16 répondants n'a répondu aux questions sur les obstacles" in french


def test_no_pair_to_compare_and_a_withheld_comparison_say_so(app):
    # Each respondent answered for one service only: no pair for the paired test.
    one_each = [{"barriers": {FIRST: ["stigma"]}}, {"barriers": {"peer_support": ["no_time"]}}] * 3
    add_survey(app.store, "2026", one_each)
    said = " ".join(sentences(built(app)))
    assert (
        "No respondent answered the barrier questions for both Faculty services and peer supporters" in said
    )
    # Three respondents, in the shareable copy: withheld, and the sentence says so.
    add_survey(app.store, "2027", paired_answers({"stigma": (1, 1, 1, 0)}), opens=date(2027, 4, 1))
    said = " ".join(sentences(built(app, audience="shared")))
    assert "The barrier comparison is withheld in this copy: fewer than 5 respondents answered it." in said


# --- Item 7: labels a dean can read --------------------------------------------------------------


def test_adjusted_p_is_said_once_and_in_french_word_order(app):
    add_survey(app.store, "2026", paired_answers({"stigma": (2, 3, 1, 6)}))
    text = to_text(built(app))
    assert "Adjusted P: P" not in text and "Adjusted P: > .99" in text
    assert "(adjusted P > .99)" in flat(text)
    french = flat(to_text(built(app, "fr")))
    assert "ajustée)" not in french and f"P ajustée{NBSP}: >{NBSP}0,99" in french
    assert f"(P ajustée{NBSP}>{NBSP}0,99)" in french


def test_notes_of_the_independent_design_name_services_by_their_labels(app):
    # Nobody answered for peer supporters.
    add_survey(app.store, "2026", [{"barriers": {FIRST: ["stigma"]}}, {"barriers": {FIRST: []}}] * 3)
    for lang in ("en", "fr"):
        text = to_text(built(app, lang, test="independent"))
        assert "peer_support" not in text and "faculty_services" not in text
    notes = " ".join(built(app, test="independent").survey.barriers[0].note.split())
    assert (
        notes
        == "Nobody answered the barrier questions for peer supporters, so the services cannot be compared."
    )


# --- Items 6 and 8: counted words and French wording ---------------------------------------------


def test_counts_take_the_plural_that_fits(app):
    """One respondent, with one of everything: no "1 answers", "1 répondants", "0 totaux"."""
    k10 = {f"k10_{i}": 2 for i in range(1, 10)}  # nine items: one total prorated
    one = paired_answers({"career_impact": (0, 1, 0, 0)}, extra=[k10])
    one[0]["barriers"].pop("peer_support")  # one answer checked nothing for peer supporters
    add_survey(app.store, "2026", one, blocks=("k10", "phq9"), links_issued=1)
    english = flat(to_text(built(app)))
    for wrong in ("1 answers", "1 respondents", "(s)", "1 links", "0 interaction ", "1 complete totals"):
        assert wrong not in english, wrong
    assert "1 student answered the survey (100.0% of links issued)." in english
    assert "1 answer checked nothing for peer supporters" in english
    assert "Supporters logged 0 interactions." in english
    assert (
        "0 complete totals (every item answered); left out: 0 partial answers, 1 with no answer." in english
    )
    french = flat(to_text(built(app, "fr")))
    for wrong in (
        "1 réponses",
        "1 répondants",
        "(s)",
        "0 totaux",
        "0 réponses partielles",
        "0 interactions",
        "1 extrapolés",
    ):
        assert wrong not in french, wrong
    assert "1 étudiant ou étudiante a répondu au sondage" in french
    assert "Les pairs aidants ont consigné 0 interaction." in french
    assert (
        f"0 total complet (toutes les questions répondues){NNBSP}; hors calcul{NBSP}: 0 réponse partielle"
        in french
    )
    assert f"extrapolés{NBSP}: 1" in french  # a label, not "1 extrapolés"
    assert "1 total extrapolé sur une question sans réponse." in french


def test_french_wording_of_the_report(app):
    from tests.test_report_outcomes import seed

    seed(app.store)
    add_survey(
        app.store,
        "2027",
        paired_answers({"career_impact": (0, 9, 0, 3), "stigma": (2, 3, 1, 6)}),
        opens=date(2027, 4, 1),
    )
    for audience in ("coordinators", "shared"):
        report = built(app, "fr", audience=audience, survey="2026")
        text = flat(reports.render(report, "text"))
        assert_french(text)
        for awkward in (
            "peu probablement",
            "une case du tableau",
            "» a été nommé",
            "Les étudiants ont",
            "Les étudiants se",
            "l'étudiant a-t-il",
        ):
            assert awkward not in text, awkward
        # In a note about one row ("Total du GAD-7 : aucun score..."), French goes on in lower case
        # after the colon; an acronym keeps its capitals.
        notes = [note for table in tables(report) for note in table.notes]
        assert any(f"{NBSP}: aucun score" in note for note in notes) or audience == "shared"
        assert [n for n in notes if re.search(rf"{NBSP}: [A-Z][a-zé]", n)] == []
    said = " ".join(sentences(built(app, "fr", survey="2027")))
    assert "il est peu probable qu'un écart aussi grand soit dû au hasard" in said
    assert "Les étudiants et étudiantes ont plus souvent nommé" in said
    shared = flat(reports.render(built(app, "fr", audience="shared", survey="2026"), "text"))
    assert "un effectif du tableau est inférieur à 5" in shared


def test_a_survey_with_no_answers_yet_says_each_note_once(app):
    """Before any answer is released every barrier row has the same "nothing to compare" note:
    the report says it once, not once per barrier."""
    add_survey(app.store, "2026", [])
    english, french = flat(to_text(built(app))), flat(to_text(built(app, "fr")))
    assert english.count("so nothing can be compared") == 1
    assert french.count("rien ne peut être comparé") == 1
