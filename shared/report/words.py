"""The report's words and number formats in English and French (through the one catalogue).

The report is built once per language: every sentence, title, header and note goes through
:func:`t` or, for a note, the catalogue where the note is made (:mod:`shared.i18n`, with plural
forms for counts), and every number through :func:`decimal`/:func:`pct`, so the French copy has the
decimal comma and French spacing (a no-break space before ``:``, ``?``, ``;``, ``!`` and ``%``,
as the Office québécois de la langue française and the Imprimerie nationale's *Lexique des
règles typographiques* ask) everywhere, the CSV's headers aside (they stay machine names).

Texts from the form definitions (question and choice labels) come from ``forms/*.yaml``;
everything else the report says is a msgid of the one catalogue (:mod:`shared.i18n`), named here
by a short key; the French is in ``shared/translations/fr/LC_MESSAGES/messages.po``
(tests/test_translations.py checks that none is missing).
"""

from __future__ import annotations

from datetime import date

from shared.i18n import LANGS as LANGS
from shared.i18n import N_, translate, translate_plural

NBSP = "\u00a0"

# The months' names, as the catalogue has them (French in lower case, as mid-sentence).
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)

MESSAGES: dict[str, str] = {
    "title": N_("%(program)s: report for %(period)s"),
    "title_final": N_("%(program)s: final report for the academic year %(years)s (%(period)s)"),
    "period": N_("%(start)s to %(end)s"),
    "interval": N_("%(low)s to %(high)s"),  # a confidence interval's bounds
    "audience_coordinators": N_(
        "Coordinators' copy: per-supporter counts are shown as they are. Do not forward it."
    ),
    "audience_shared": N_(
        "Shareable copy: counts under %(threshold)s by student characteristic or by supporter are hidden."
    ),
    "in_short": N_("In short"),
    "how_computed": N_("How these numbers were computed"),
    "csv_attached": N_("Every figure is also attached as a CSV file, one row per table cell."),
    "chart_alt": N_(
        "Bar chart: share of respondents naming each barrier, by service (figures in the table below)."
    ),
    "chart_title": N_("Barriers to seeking help, by service"),
    "chart_axis": N_("Percent of respondents (n = %(n)s)"),
    "s_rate": N_(" (%(rate)s of links issued)"),
    "s_more_likely": N_(
        "Students were more likely to name “%(barrier)s” as a barrier to %(first)s (%(p1)s) than to %(second)s (%(p2)s); a difference this large is %(how)s to be chance (%(p)s)."
    ),
    "s_could_be_chance": N_(
        "“%(barrier)s” was named more often for %(first)s (%(p1)s) than for %(second)s (%(p2)s), but a difference this size could be chance (%(p)s)."
    ),
    "adjusted_p": N_("adjusted P %(p)s"),  # "adjusted P > .99": the Holm-adjusted P in a sentence
    "very_unlikely": N_("very unlikely"),
    "unlikely": N_("unlikely"),
    "s_no_difference": N_(
        "No barrier was named more often for %(first)s than for %(second)s, or the reverse, by more than chance could explain."
    ),
    "s_too_few": N_("There are too few answers to compare %(first)s and %(second)s."),
    "s_no_pairs": N_(
        "No respondent answered the barrier questions for both %(first)s and %(second)s, so they cannot be compared."
    ),
    "s_activity": N_("%(logged)s; %(referred)s."),  # two counted clauses, each with its own plural
    "s_no_survey": N_("No survey has been run yet."),
    "key_figures": N_("Key figures"),
    "figure": N_("Figure"),
    "value": N_("Value"),
    "f_period": N_("Period"),
    "f_interactions": N_("Interactions logged"),
    "f_supporters": N_("Supporters who logged"),
    "of": N_("%(a)s of %(b)s"),
    "of_and_revoked": N_("%(a)s of %(current)s, and %(revoked)s"),  # counted pieces
    "f_supporters_revoked": N_("Supporters who logged, since revoked"),
    "f_referrals": N_("Referrals"),
    "f_follow_ups": N_("Follow-ups planned"),
    "f_duration": N_("Median duration"),
    "minutes": N_("%(m)s min (n = %(n)s)"),
    "f_survey": N_("Survey"),
    "f_answers": N_("Survey answers"),
    "f_rate": N_("Response rate"),
    "f_pending": N_("Survey answers waiting to be released"),
    "h_barrier": N_("Barrier"),
    "h_service_n": N_("%(service)s, n (%%)"),
    "h_difference": N_("Difference (points)"),
    "h_ci": N_("95%% CI"),
    "h_p": N_("Adjusted P"),  # its cells read ".02", "< .001", "> .99"
    "difference_is": N_("Difference = %(first)s minus %(second)s, in percentage points."),
    "t_year_over_year": N_(
        "This survey (%(this)s, %(n_this)s) against the previous one (%(last)s, %(n_last)s)"
    ),  # n_this and n_last: counted "N respondents"
    "h_this_year": N_("%(service)s: this year"),
    "h_last_year": N_("last year"),
    "h_change": N_("change (points)"),
    "t_k10": N_("Psychological distress (K10 bands, Andrews & Slade 2001)"),
    "h_band": N_("Band"),
    "h_respondents": N_("Respondents"),
    "h_percent": N_("Percent"),
    "k10_mean": N_(
        "Mean %(mean)s, SD %(sd)s, from %(totals)s (10 to 50; prorated: %(prorated)s, left out: %(left)s)."
    ),  # totals: counted "N K10 totals"
    "band_low": N_("Low"),
    "band_moderate": N_("Moderate"),
    "band_high": N_("High"),
    "band_very_high": N_("Very high"),
    "t_survey_by_year": N_("Respondents by year of study"),
    "h_year": N_("Year of study"),
    "t_by_month": N_("Interactions by month"),
    "h_month": N_("Month"),
    "h_interactions": N_("Interactions"),
    "h_answer": N_("Answer"),
    "multi_note": N_(
        "More than one answer per interaction is possible, so percentages add up to more than 100."
    ),
    "t_referrals": N_("Referrals by destination"),
    "h_destination": N_("Destination"),
    "h_referrals": N_("Referrals"),
    "h_share_referrals": N_("Share of referrals"),
    "referral_note": N_("Interactions that led to a referral: %(shown)s of %(n)s."),
    "t_year_by_concern": N_("Interactions by year of study and concern level"),
    "t_year": N_("Interactions by year of study"),
    "t_per_supporter": N_("Interactions per supporter"),
    "h_supporter": N_("Supporter"),
    "total": N_("Total"),
    "not_recorded": N_("Not recorded"),
    "not_answered": N_("Not answered"),
    "no_longer_on_file": N_("Supporters no longer on file"),
    "protection": N_(
        'Counts under %(threshold)s are shown as "<%(threshold)s", and "x" hides another count so that the small ones cannot be worked out from the totals.'
    ),
    "dropped": N_(
        "Not shown: once counts under %(threshold)s are hidden, this table says nothing beyond the totals given elsewhere."
    ),
    "m_paired": N_(
        "Each respondent answered for both services, so the answers are pairs: exact McNemar test, 95%% confidence interval by Newcombe's paired method (1998)."
    ),
    "m_independent": N_(
        "The two services treated as independent groups, as in the published program evaluation: chi-square with Yates' correction, or Fisher's exact test when an expected count is under 5; 95%% confidence interval by Newcombe's method for independent proportions (1998)."
    ),
    "m_small_cell": N_(
        "Small-cell protection: counts under %(threshold)s by year of study%(supporter)s are hidden. Overall totals are shown as they are."
    ),
    "m_per_supporter": N_(" or per supporter"),
    "m_k10": N_(
        "A K10 total is prorated when one of the ten items was skipped (the nine answers' total x 10/9, rounded to the nearest whole number) and left out when more were skipped: the K10 scoring rule of Australia's Primary Mental Health Care Minimum Data Set (PMHC MDS), which cites the AMHOCN overview of the NOCC measures. Bands: Andrews & Slade (2001)."
    ),
    # Outcomes (issue 14)
    "g_used_peers": N_("used peer support"),
    "g_not_used_peers": N_("did not use peer support"),
    "o_said_yes": N_("said yes"),
    "o_used_professional": N_("used a professional service"),
    # The PHQ-9 block is reported as the PHQ-8 (its first eight items): see shared/report/outcome_part.py.
    "t_phq8": N_(
        "Depressive symptoms (PHQ-8 severity: the first eight PHQ-9 questions, Kroenke et al. 2009)"
    ),
    "t_gad7": N_("Anxiety symptoms (GAD-7 severity, Spitzer et al. 2006)"),
    "severity_note": N_(
        "%(complete)s (every item answered); left out: %(partial)s, %(skipped)s. Whole survey only: never broken down further."
    ),  # counted pieces
    "h_source": N_("Source of help"),
    "h_median": N_("Median"),
    "score_seek_faculty": N_("Faculty services"),
    "score_seek_peers": N_("Peer supporters"),
    "hs_difference": N_(
        "Median difference (Faculty minus peers) %(d)s; effect size r = %(r)s; %(p)s (Wilcoxon signed-rank test)."
    ),
    "hs_higher": N_(
        "Rated Faculty services higher: %(faculty)s; peer supporters higher: %(peers)s; both the same: %(same)s."
    ),
    "h_median_difference": N_("Median difference (Faculty minus peers)"),
    "h_effect_r": N_("Effect size r"),
    "h_rated_higher": N_("Rated higher"),
    "h_odds_ratio": N_("Odds ratio"),
    "not_estimable": N_("not estimable: a zero cell"),
    "open_interval": N_("%(low)s or more, no upper limit"),
    "csv_unbounded": N_("A zero cell: an empty odds ratio or interval end here is infinite, not missing."),
    "h_group": N_("Students who"),
    "h_used_professional": N_("Used a professional service"),
    "h_not_professional": N_("Did not"),
    "su_result": N_(
        "Odds ratio %(or)s (95%% CI %(ci)s); %(p)s (%(test)s). Professional services: Faculty wellness services, counselling or a physician."
    ),
    "caveat": N_(
        "This is an association in one survey, not proof that one thing caused the other: students who chose peer support may differ in other ways."
    ),
    "t_outcomes_by_year": N_("Outcomes: this survey (%(this)s) against the previous one (%(last)s)"),
    "h_measure": N_("Measure"),
    "h_this_n": N_("This survey (n)"),
    "h_last_n": N_("Previous (n)"),
    "h_p_plain": N_("Test"),
    "this_survey": N_("this survey"),
    "previous_survey": N_("the previous survey"),
    "by_year_note": N_(
        "Scores: medians, Mann-Whitney U test. Yes/no items: percent who said yes, chi-square (Yates) or Fisher's exact test. Independent groups: the two surveys' respondents are not matched."
    ),
    "score_k10": N_("K10 total (10-50)"),
    "score_phq8": N_("PHQ-8 total (0-24)"),
    "score_gad7": N_("GAD-7 total (0-21)"),
    "score_used_wellness": N_("Used Faculty wellness services"),
    "score_used_counselling": N_("Used counselling"),
    "score_used_physician": N_("Saw a physician"),
    "score_used_peer_supporters": N_("Used peer supporters"),
    # This survey against the previous one: the help-seeking rows are medians of a 1-7 intention.
    "year_seek_faculty": N_("Help-seeking intention, Faculty services (median, 1-7)"),
    "year_seek_peers": N_("Help-seeking intention, peer supporters (median, 1-7)"),
    "h_effect": N_("Effect size"),
    "h_superiority": N_("Chance higher"),
    "effect_r": N_("r = %(r)s"),
    "effect_or": N_("odds ratio %(or)s"),
    "by_year_effects": N_(
        "Effect sizes. A score: r (about 0.1 small, 0.3 medium, 0.5 large; positive when this survey's scores are higher) and the chance that a random respondent of this survey scored higher than a random respondent of the previous one (50%% is no difference; a tie counts half). A yes/no item: the odds ratio, this survey's odds of yes over the previous one's (1 is no difference)."
    ),
    "t_follow_ups": N_(
        "Follow-ups planned by the period's interactions, where they stood on %(day)s (counts only)"
    ),
    "h_follow_ups": N_("Follow-ups"),
    "fu_planned": N_("Planned"),
    "fu_done": N_("Done (logged as a follow-up)"),
    "fu_closed": N_("Closed without a follow-up (not needed, could not reach)"),
    "fu_open": N_("Still open"),
    "fu_overdue": N_("Of these, overdue"),
    "fu_about": N_(
        "Planned = done + closed + still open. A follow-up is counted with the interaction that planned it, whenever it was due or logged."
    ),
    "t_uptake": N_("Referral uptake: did the student connect with the service?"),
    "h_referrals_planned": N_("Referrals"),
    "h_followed_up": N_("Followed up"),
    "h_connected": N_("Connected"),
    "h_not_yet": N_("Not yet"),
    "h_declined": N_("Declined"),
    "h_unknown": N_("Outcome not known"),
    "h_closed": N_("Closed, not followed up"),
    "h_open": N_("Still open"),
    "h_uptake": N_("Uptake (95%% CI)"),
    "uptake_note": N_(
        "Referrals whose interaction in the period planned a follow-up. Uptake: connected among the follow-ups with a known outcome, Wilson 95%% interval. A follow-up logged without an answer is counted as outcome not known and left out of the rate; one closed without a follow-up (not needed, could not reach) is no outcome at all."
    ),
    "s_help_seeking": N_(
        "Students said they were more likely to seek help from %(first)s than from %(second)s (rated higher: %(higher)s of %(n)s; lower: %(lower)s; medians %(m1)s and %(m2)s of 7); a difference this large is %(how)s to be chance (%(p)s)."
    ),
    "s_help_seeking_ranks": N_(
        "Students said they were more likely to seek help from %(first)s than from %(second)s (medians %(m1)s and %(m2)s of 7; the test ranks the size of each student's difference); a difference this large is %(how)s to be chance (%(p)s)."
    ),
    "s_help_seeking_chance": N_(
        "Help-seeking intention from Faculty services (median %(m1)s of 7) and from peer supporters (%(m2)s) did not differ by more than chance could explain."
    ),
    "s_service_use": N_(
        "%(p1)s of students who used peer support also used a professional service, against %(p2)s of those who did not: an association in one survey, not proof of an effect."
    ),
    "s_service_use_chance": N_(
        "%(p1)s of students who used peer support also used a professional service, against %(p2)s of those who did not; a difference this size could be chance (%(p)s)."
    ),
    "faculty_services_name": N_("Faculty services"),
    "peer_supporters_name": N_("peer supporters"),
    "m_outcomes": N_(
        "Outcomes: help-seeking intention compared by the Wilcoxon signed-rank test (exact below 50 pairs without ties, else normal approximation), effect size r = z / sqrt(n); service use by peer-support use by chi-square (Yates) or Fisher's exact test when an expected count is under 5, with the odds ratio and its 95%% interval; referral uptake with Wilson's 95%% interval; this survey against the previous one by the Mann-Whitney U test for scores, with r = z / sqrt(n1 + n2) and the probability of superiority U / (n1 n2) (McGraw & Wong 1992), and the 2x2 test above for yes/no items. The same choices as R's wilcox.test, chisq.test and fisher.test."
    ),
}


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when the language is unknown), filled in."""
    text = translate(lang, MESSAGES[key], **params)
    return french_spacing(text) if lang == "fr" else text


def respondents(n: int, lang: str) -> str:
    """ "1 respondent", "12 respondents": a count of respondents inside a title or a sentence."""
    return translate_plural(lang, "%(num)s respondent", "%(num)s respondents", n)


def french_spacing(text: str) -> str:
    """No-break spaces before ``: ; ? ! %`` (a plain space there is replaced; none is added inside
    a URL, a time or a ratio like "<5", which have no space before the mark)."""
    for mark in (":", ";", "?", "!", "%", "»"):
        text = text.replace(f" {mark}", f"{NBSP}{mark}")
    return text.replace("« ", f"«{NBSP}")


def decimal(value: float, places: int, lang: str) -> str:
    shown = f"{value:.{places}f}"
    return shown.replace(".", ",") if lang == "fr" else shown


def pct(value: float, lang: str, places: int = 1) -> str:
    return decimal(value, places, lang) + (f"{NBSP}%" if lang == "fr" else "%")


def month_name(month: int, lang: str) -> str:
    """The name of ``month`` (1 to 12) in ``lang``."""
    return translate(lang, MONTHS[month - 1])


def long_date(day: date, lang: str) -> str:
    month = month_name(day.month, lang)
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def month_label(year: int, month: int, lang: str) -> str:
    name = month_name(month, lang)
    return f"{name[:1].upper()}{name[1:]} {year}"


def period_label(start: date, end: date, lang: str) -> str:
    """The period in words: "1 September 2025 to 31 August 2026", "du 1er septembre 2025 au 31 août 2026"."""
    return t(lang, "period", start=long_date(start, lang), end=long_date(end, lang))


def localize(text: str, lang: str) -> str:
    """A note on its way out, made in ``lang`` where it was produced (through the catalogue): the
    French copy gets French spacing around what the note quotes (labels from the forms)."""
    return french_spacing(text) if lang == "fr" and text else text
