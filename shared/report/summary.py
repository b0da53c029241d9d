"""The report's opening: at most five plain-language sentences, made from the report's numbers.

Every sentence restates a figure the tables show, and claims nothing the statistics do not
support: a barrier is said to differ between the services only when its Holm-adjusted P is
under .05 ("very unlikely to be chance" under .01), never on the raw P. When no comparison
could be computed the sentence says why: nobody answered the barrier questions, nobody
answered them for both services (paired), the shareable copy withholds them, or there are too
few answers to compare.
"""

from __future__ import annotations

from shared.i18n import translate_plural
from shared.report.model import Activity, BarrierRow, Report, SurveySection
from shared.report.stats import format_p
from shared.report.tables import adjusted_p, p_text, pct
from shared.report.words import localize, t

MAX_SENTENCES = 5
SIGNIFICANT = 0.05
VERY = 0.01
MAX_BARRIER_SENTENCES = 2  # the clearest differences; the table has the rest


def sentences(report: Report) -> list[str]:
    """The summary sentences in the report's language, most important first."""
    lang = str(report.lang or "en")
    out: list[str] = []
    survey = report.survey
    if survey is None:
        out.append(t(lang, "s_no_survey"))
    else:
        out += _survey(survey, lang, report.small_cell)
        out += _outcome(survey, lang)[:1]  # at most one sentence about outcomes
    out += _activity(report.activity, lang)
    return out[:MAX_SENTENCES]


def _survey(survey: SurveySection, lang: str, threshold: int) -> list[str]:
    if survey.pending and not survey.answers:
        # "0 students answered (0.0%)" while answers wait sealed reads as a survey nobody answered.
        return [
            translate_plural(
                lang,
                "No answers have been released yet: %(num)s answer is waiting to be released.",
                "No answers have been released yet: %(num)s answers are waiting to be released.",
                survey.pending,
            )
        ]
    rate = survey.response_rate
    shown = t(lang, "s_rate", rate=pct(rate, lang)) if rate is not None else ""
    out = [
        translate_plural(
            lang,
            "%(num)s student answered the survey%(rate)s.",
            "%(num)s students answered the survey%(rate)s.",
            survey.answers,
            rate=shown,
        )
    ]
    if survey.pending:
        out.append(
            translate_plural(
                lang,
                "%(num)s more answer is waiting to be released.",
                "%(num)s more answers are waiting to be released.",
                survey.pending,
            )
        )
    services = {s.id: s.name for s in survey.services}
    first, second = services.get(survey.first), services.get(survey.second)
    if not first or not second or not survey.answers:
        return out
    # (row, adjusted P, difference) for each barrier a test could be computed for
    tested = [(b, b.p_adjusted, b.difference or 0.0) for b in survey.barriers if b.p_adjusted is not None]
    if not tested:
        return [*out, _not_compared(survey, first, second, lang, threshold)]
    clear = sorted((row for row in tested if row[1] < SIGNIFICANT), key=lambda row: row[1])
    unclear = sorted(
        (row for row in tested if row[1] >= SIGNIFICANT and row[2]), key=lambda row: -abs(row[2])
    )
    if not clear:
        out.append(t(lang, "s_no_difference", first=first, second=second))
    for row in clear[:MAX_BARRIER_SENTENCES]:
        out.append(_barrier(survey, row, first, second, lang, "s_more_likely"))
    if len(clear) < MAX_BARRIER_SENTENCES and unclear:
        # The largest difference the tests cannot tell from chance, said as such.
        out.append(_barrier(survey, unclear[0], first, second, lang, "s_could_be_chance"))
    k10 = survey.k10
    if k10 and k10.n and not k10.suppressed:
        high = sum(b.count or 0 for b in k10.bands if b.id in ("high", "very_high"))
        out.append(
            translate_plural(
                lang,
                "%(high)s of the %(num)s respondent who answered the distress questions reported high or "
                "very high distress (%(share)s).",
                "%(high)s of the %(num)s respondents who answered the distress questions reported high or "
                "very high distress (%(share)s).",
                k10.n,
                high=high,
                share=pct(100.0 * high / k10.n, lang),
            )
        )
    return out


def _not_compared(survey: SurveySection, first: str, second: str, lang: str, threshold: int) -> str:
    """Why no barrier could be compared, in one sentence: "too few answers" only when that is why."""
    if survey.suppressed:
        return translate_plural(
            lang,
            "The barrier comparison is withheld in this copy: fewer than %(num)s respondent answered it.",
            "The barrier comparison is withheld in this copy: fewer than %(num)s respondents answered it.",
            threshold,
        )
    if not survey.answered_barriers:
        return localize(
            translate_plural(
                lang,
                "The %(num)s respondent did not answer the barrier questions, so %(first)s and %(second)s "
                "cannot be compared.",
                "None of the %(num)s respondents answered the barrier questions, so %(first)s and %(second)s "
                "cannot be compared.",
                survey.answers,
                first=first,
                second=second,
            ),
            lang,
        )
    if not survey.respondents:
        return t(lang, "s_no_pairs", first=first, second=second)
    return t(lang, "s_too_few", first=first, second=second)


def _barrier(
    survey: SurveySection,
    tested: tuple[BarrierRow, float, float],
    first: str,
    second: str,
    lang: str,
    key: str,
) -> str:
    """One barrier compared, the service that named it more often first."""
    b, p, difference = tested
    ids = (survey.first, survey.second)
    if difference < 0:
        first, second, ids = second, first, (ids[1], ids[0])
    significant = p < SIGNIFICANT
    return t(
        lang,
        key,
        barrier=b.label,
        first=first,
        second=second,
        p1=pct(b.percent[ids[0]], lang),
        p2=pct(b.percent[ids[1]], lang),
        how=t(lang, "very_unlikely" if p < VERY else "unlikely"),
        p=_p_words(p, lang) if significant else adjusted_p(b.p_adjusted_display, lang),
    )


def _p_words(p: float, lang: str) -> str:
    # "P < .01" rather than the exact value: the sentence is for a reader, the table has the rest.
    if p < 0.001:
        return p_text("P < .001", lang)
    if p < VERY:
        return p_text("P < .01", lang)
    return p_text("P < .05", lang)


def _activity(act: Activity, lang: str) -> list[str]:
    logged = translate_plural(
        lang,
        "Supporters logged %(num)s interaction",
        "Supporters logged %(num)s interactions",
        act.interactions,
    )
    ref = act.referrals
    if ref.count is not None and ref.answered:
        referred = translate_plural(lang, "%(num)s led to a referral", "%(num)s led to a referral", ref.count)
        return [t(lang, "s_activity", logged=logged, referred=referred)]
    return [f"{logged}."]


def _outcome(survey: SurveySection, lang: str) -> list[str]:
    """The outcome sentence: help-seeking intention when it could be tested, else service use by
    peer-support use; nothing when neither could be computed. The words follow the test: a
    difference is claimed only when its P is under .05, and its direction is the test's own (the
    sign of the signed-rank statistic, as r carries it), never the medians', which can be equal
    when the test finds a clear difference."""
    found = survey.outcomes
    if found is None:
        return []
    hs = found.help_seeking
    if hs is not None and hs.p is not None and hs.r is not None:
        m1, m2 = (
            str(hs.medians[k]).removesuffix(".0").replace(".", "," if lang == "fr" else ".")
            for k in ("seek_faculty", "seek_peers")
        )
        if hs.p >= SIGNIFICANT or not hs.r:
            return [t(lang, "s_help_seeking_chance", m1=m1, m2=m2)]
        first, second = t(lang, "faculty_services_name"), t(lang, "peer_supporters_name")
        if lang == "fr":  # "Services de la Faculté" heads a table row; mid-sentence it is lower case
            first = first[:1].lower() + first[1:]
        higher, lower = hs.higher.get("seek_faculty", 0), hs.higher.get("seek_peers", 0)
        if hs.r < 0:
            first, second, m1, m2, higher, lower = second, first, m2, m1, lower, higher
        words = {"first": first, "second": second, "m1": m1, "m2": m2}
        words |= {"how": t(lang, "very_unlikely" if hs.p < VERY else "unlikely"), "p": _p_words(hs.p, lang)}
        # The counts of who rated which higher usually show the test's direction; when the sizes of
        # the differences outweigh their number, they would seem to contradict it: say ranks instead.
        if higher > lower:
            return [t(lang, "s_help_seeking", higher=higher, lower=lower, n=hs.n, **words)]
        return [t(lang, "s_help_seeking_ranks", **words)]
    su = found.service_use
    if su is not None and su.p is not None and len(su.percent) == 2:
        p1, p2 = (pct(su.percent[label], lang) for label in su.labels)
        if su.p < SIGNIFICANT:
            return [t(lang, "s_service_use", p1=p1, p2=p2)]
        return [t(lang, "s_service_use_chance", p1=p1, p2=p2, p=p_text(format_p(su.p), lang))]
    return []
