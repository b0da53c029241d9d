"""The report dict as display tables: what text, HTML, the email and the CSV all show.

Every number is formatted here once (percentages to one decimal, P values in journal style,
hidden counts as their marks), in the report's language, so the formats cannot disagree. A
figure that cannot be computed shows as an em dash and the table's notes say why.

Each :class:`Table` carries its figures twice: ``rows``, the display text, and ``data``, one
:class:`Datum` per cell with the numbers as numbers, which the CSV attachment is made of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from shared.i18n import N_, translate, translate_plural
from shared.report.model import (
    CI_HIGH,
    K10,
    ODDS_RATIO,
    Breakdown,
    Crosstab,
    CrosstabRow,
    FollowUpOutcomes,
    HelpSeeking,
    Outcomes,
    ProtectedCounts,
    ProtectedRow,
    Report,
    ScoreChange,
    ServiceUse,
    Severity,
    Shown,
    SurveySection,
)
from shared.report.stats import CHI_SQUARE, FISHER, format_p
from shared.report.words import NBSP, decimal, localize, long_date, respondents, t
from shared.report.words import pct as word_pct

DASH = "—"
FOLLOW_UP_COUNTS = ("planned", "done", "closed", "open", "overdue")


@dataclass(frozen=True)
class Datum:
    """One cell of a table as numbers: a row of the tidy CSV. ``None`` is an empty cell."""

    row: str
    column: str
    count: int | None = None
    percent: float | None = None
    value: float | None = None  # any other number: a mean, a median, a difference in points
    p: float | None = None
    p_adjusted: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False
    note: str = ""  # why an empty number is not missing (an infinite odds ratio), in words


@dataclass(frozen=True)
class Table:
    id: str  # stable: the CSV's ``table`` column
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()
    total_row: bool = False  # the last row is a total (shown in bold)
    data: tuple[Datum, ...] = ()


def pct(value: float | None, lang: str = "en", places: int = 1) -> str:
    return DASH if value is None else word_pct(value, lang, places)


def num(value: float | None, places: int = 1, lang: str = "en") -> str:
    return DASH if value is None else decimal(value, places, lang)


def count_pct(count: int | None, value: float | None, lang: str = "en") -> str:
    if count is None:
        return DASH
    return f"{count} ({pct(value, lang)})" if value is not None else str(count)


def points(value: float | None, lang: str = "en") -> str:
    if value is None:
        return DASH
    shown = f"{value:+.1f}"
    shown = "0.0" if shown in ("+0.0", "-0.0") else shown
    return shown.replace(".", ",") if lang == "fr" else shown


def interval(ci: list[float] | None, lang: str = "en") -> str:
    if ci is None:
        return DASH
    return t(lang, "interval", low=num(ci[0], 1, lang), high=num(ci[1], 1, lang))


def p_text(shown: str, lang: str) -> str:
    """``stats.format_p``'s text in the report's language: "P = .02" reads "P = 0,02" in French,
    with no-break spaces (French typography), so "P" and "=" never part at the end of a line."""
    if shown in ("not computable", "") or shown is None:
        return DASH
    if lang != "fr":
        return shown
    return re.sub(r"(?<![\d,])\.(\d)", r"0,\1", shown).replace(" ", "\u00a0")


def p_cell(shown: str, lang: str) -> str:
    """A P value under a header that already names it ("Adjusted P"): ".02", "< .001", "> .99"
    (journal style), never "P > .99" again."""
    return p_text(shown.removeprefix("P ").removeprefix("= "), lang)  # before French spacing


def adjusted_p(shown: str, lang: str) -> str:
    """A Holm-adjusted P inside a sentence: "adjusted P > .99", "P ajustée > 0,99"."""
    return t(lang, "adjusted_p", p=p_text(shown.removeprefix("P "), lang))  # before French spacing


def _lang(report: Report) -> str:
    return str(report.lang or "en")


def summary(report: Report) -> list[tuple[str, str]]:
    """The key figures, as (what, value) pairs, for the top of every format."""
    lang = _lang(report)
    act = report.activity
    sup = act.supporters
    out = [
        (t(lang, "f_period"), report.period.label),
        (t(lang, "f_interactions"), str(act.interactions)),
        (
            t(lang, "f_supporters"),
            t(
                lang,
                "of_and_revoked",
                a=sup.active,
                current=translate_plural(
                    lang, "%(num)s current supporter", "%(num)s current supporters", sup.all
                ),
                revoked=translate_plural(lang, "%(num)s since revoked", "%(num)s since revoked", sup.revoked),
            )
            if sup.revoked
            else t(lang, "of", a=sup.active, b=sup.all),
        ),
    ]
    ref = act.referrals
    if ref.count is not None:
        out.append((t(lang, "f_referrals"), count_pct(ref.count, ref.rate, lang)))
    fu = act.follow_ups
    if fu.count is not None:
        out.append((t(lang, "f_follow_ups"), count_pct(fu.count, fu.rate, lang)))
    dur = act.duration
    median = dur.median
    shown = (
        t(lang, "minutes", m=f"{median:g}".replace(".", "," if lang == "fr" else "."), n=dur.n)
        if median is not None
        else localize(dur.note, lang) or DASH
    )
    out.append((t(lang, "f_duration"), shown))
    survey = report.survey
    if survey is None:
        out.append((t(lang, "f_survey"), localize(report.survey_note, lang)))
    else:
        out.append((t(lang, "f_survey"), f"{survey.title} ({survey.id})"))
        answers = str(survey.answers)
        if survey.pending:  # counted apart: the figures below hold released answers only
            answers = translate_plural(
                lang,
                "%(answers)s released, %(num)s more waiting to be released",
                "%(answers)s released, %(num)s more waiting to be released",
                survey.pending,
                answers=survey.answers,
            )
        out.append((t(lang, "f_answers"), answers))
        rate = survey.response_rate
        issued = (
            translate_plural(
                lang,
                "%(rate)s of %(num)s link issued",
                "%(rate)s of %(num)s links issued",
                survey.links_issued,
                rate=pct(rate, lang),
            )
            if rate is not None
            else ""
        )
        if rate is not None and survey.pending:
            issued = translate(lang, "%(rate)s (released answers only)", rate=issued)
        out.append((t(lang, "f_rate"), issued or localize(survey.response_rate_note, lang) or DASH))
    return out


def summary_data(report: Report) -> tuple[Datum, ...]:
    """The key figures that are numbers, for the CSV."""
    lang = _lang(report)
    act = report.activity
    value = t(lang, "value")
    out = [
        Datum(t(lang, "f_interactions"), value, count=act.interactions),
        Datum(t(lang, "f_supporters"), value, count=act.supporters.active),
    ]
    if act.supporters.revoked:
        out.append(Datum(t(lang, "f_supporters_revoked"), value, count=act.supporters.revoked))
    ref, fu = act.referrals, act.follow_ups
    if ref.count is not None:
        out.append(Datum(t(lang, "f_referrals"), value, count=ref.count, percent=ref.rate))
    if fu.count is not None:
        out.append(Datum(t(lang, "f_follow_ups"), value, count=fu.count, percent=fu.rate))
    if act.duration.median is not None:
        out.append(Datum(t(lang, "f_duration"), value, value=act.duration.median))
    survey = report.survey
    if survey is not None:
        out.append(Datum(t(lang, "f_answers"), value, count=survey.answers))
        if survey.pending:
            out.append(Datum(t(lang, "f_pending"), value, count=survey.pending))
        if survey.response_rate is not None:
            out.append(Datum(t(lang, "f_rate"), value, percent=survey.response_rate))
    return tuple(out)


def tables(report: Report) -> list[Table]:
    """Every table of the report, survey first, in reading order, notes in the report's language."""
    lang = _lang(report)
    return [
        replace(table, notes=tuple(localize(note, lang) for note in table.notes)) for table in _tables(report)
    ]


def _tables(report: Report) -> list[Table]:
    lang = _lang(report)
    out = [
        Table(
            "summary",
            t(lang, "key_figures"),
            (t(lang, "figure"), t(lang, "value")),
            tuple(summary(report)),
            data=summary_data(report),
        )
    ]
    survey = report.survey
    if survey is not None:
        out.append(barrier_table(survey, lang))
        if survey.previous:
            out.append(year_over_year_table(survey, lang))
        if survey.k10:
            out.append(k10_table(survey.k10, lang))
        if survey.outcomes:
            out += outcome_tables(survey.outcomes, survey.id, lang)
        if survey.by_year_of_study:
            out.append(
                protected_counts_table(
                    "survey_by_year",
                    t(lang, "t_survey_by_year"),
                    t(lang, "h_year"),
                    t(lang, "h_respondents"),
                    survey.by_year_of_study,
                    lang,
                )
            )
    act = report.activity
    month, interactions = t(lang, "h_month"), t(lang, "h_interactions")
    out.append(
        Table(
            "by_month",
            t(lang, "t_by_month"),
            (month, interactions),
            tuple((m.label, str(m.count)) for m in act.by_month),
            tuple(act.notes),
            data=tuple(Datum(m.month, interactions, count=m.count) for m in act.by_month),
        )
    )
    for b in act.breakdowns:
        out.append(breakdown_table(b, lang))
    ref = act.referrals
    if ref.count is not None:
        referrals, share = t(lang, "h_referrals"), t(lang, "h_share_referrals")
        out.append(
            Table(
                "referrals",
                t(lang, "t_referrals"),
                (t(lang, "h_destination"), referrals, share),
                tuple((d.label, str(d.count), pct(d.percent, lang)) for d in ref.by_destination),
                (t(lang, "referral_note", shown=count_pct(ref.count, ref.rate, lang), n=ref.answered),)
                + ((ref.note,) if ref.note else ()),
                data=tuple(
                    Datum(d.label, referrals, count=d.count, percent=d.percent) for d in ref.by_destination
                ),
            )
        )
    if report.follow_ups:
        out += follow_up_tables(report.follow_ups, lang)
    if act.by_year_of_study:
        table = act.by_year_of_study
        if isinstance(table, Crosstab):
            out.append(crosstab_table("year_by_concern", t(lang, "t_year_by_concern"), table, lang))
        else:
            out.append(
                protected_counts_table(
                    "year", t(lang, "t_year"), t(lang, "h_year"), interactions, table, lang
                )
            )
    out.append(
        protected_counts_table(
            "per_supporter",
            t(lang, "t_per_supporter"),
            t(lang, "h_supporter"),
            interactions,
            act.per_supporter,
            lang,
        )
    )
    return out


def labelled(label: str, note: str, lang: str) -> str:
    """A note about one row of a table: "Label: note" (a no-break space before the colon in
    French, where the note then goes on in lower case, as French writes after a colon)."""
    if lang == "fr":
        return f"{label}{NBSP}: {_lower_first(note)}"
    return f"{label}: {note}"


def _lower_first(text: str) -> str:
    # "Aucun score" after a colon reads "aucun score"; an acronym ("PHQ-8", "K10") keeps its capitals.
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def withheld(
    table_id: str,
    title: str,
    header: tuple[str, ...],
    labels: list[str],
    columns: tuple[str, ...],
    notes: tuple[str, ...],
) -> Table:
    """A table the shareable copy withholds: each row's figures a dash, each of its cells in the
    CSV empty and marked ``suppressed``, as every hidden count is."""
    rows = tuple((label, *(DASH for _ in header[1:])) for label in labels)
    data = tuple(Datum(label, column, suppressed=True) for label in labels for column in columns)
    return Table(table_id, title, header, rows, notes, data=data)


def barrier_table(survey: SurveySection, lang: str = "en") -> Table:
    services = survey.services
    service_heads = [t(lang, "h_service_n", service=s.label) for s in services]
    difference, ci, adjusted = t(lang, "h_difference"), t(lang, "h_ci"), t(lang, "h_p")
    header = (t(lang, "h_barrier"), *service_heads, difference, ci, adjusted)
    title = translate_plural(
        lang,
        "Barriers to seeking help (%(num)s respondent)",
        "Barriers to seeking help (%(num)s respondents)",
        survey.respondents,
    )
    if survey.suppressed:
        labels = [b.label for b in survey.barriers]
        return withheld("barriers", title, header, labels, (*service_heads, difference), tuple(survey.notes))
    rows = []
    data: list[Datum] = []
    notes = []
    first = next((s.label for s in services if s.id == survey.first), "")
    second = next((s.label for s in services if s.id == survey.second), "")
    if first and second:
        notes.append(t(lang, "difference_is", first=first, second=second))
    for b in survey.barriers:
        rows.append(
            (
                b.label,
                *(count_pct(b.counts[s.id], b.percent[s.id], lang) for s in services),
                points(b.difference, lang),
                interval(b.ci95, lang),
                p_cell(b.p_adjusted_display, lang),
            )
        )
        for s, head in zip(services, service_heads, strict=True):
            data.append(Datum(b.label, head, count=b.counts[s.id], percent=b.percent[s.id]))
        ci95 = b.ci95 or (None, None)
        data.append(
            Datum(
                b.label,
                difference,
                value=b.difference,
                p=b.p,
                p_adjusted=b.p_adjusted,
                ci_low=ci95[0],
                ci_high=ci95[1],
            )
        )
    row_notes = [b.note for b in survey.barriers if b.note]
    if len(row_notes) == len(survey.barriers) > 1 and len(set(row_notes)) == 1:
        notes.append(row_notes[0])  # every barrier has the same note (no pair to compare): said once
    else:
        notes += [labelled(b.label, b.note, lang) for b in survey.barriers if b.note]
    notes += survey.notes
    return Table("barriers", title, header, tuple(rows), tuple(notes), data=tuple(data))


def year_over_year_table(survey: SurveySection, lang: str = "en") -> Table:
    previous = survey.previous
    assert previous is not None  # only called when there is a previous survey
    services = survey.services
    header = [t(lang, "h_barrier")]
    columns: list[str] = []
    for s in services:
        this_head, last_head, change_head = (
            t(lang, "h_this_year", service=s.label),
            t(lang, "h_last_year"),
            t(lang, "h_change"),
        )
        header += [this_head, last_head, change_head]
        columns += [this_head, labelled(s.label, last_head, lang), labelled(s.label, change_head, lang)]
    title = t(
        lang,
        "t_year_over_year",
        this=survey.id,
        n_this=respondents(previous.respondents.this, lang),
        last=previous.survey,
        n_last=respondents(previous.respondents.last, lang),
    )
    if previous.suppressed:
        labels = [b.label for b in previous.barriers]
        return withheld("year_over_year", title, tuple(header), labels, tuple(columns), tuple(previous.notes))
    rows = []
    data: list[Datum] = []
    for b in previous.barriers:
        row = [b.label]
        for k, s in enumerate(services):
            sid = s.id
            row += [pct(b.this[sid], lang), pct(b.last[sid], lang), points(b.difference[sid], lang)]
            this_column, last_column, change_column = columns[3 * k : 3 * k + 3]
            data += [
                Datum(b.label, this_column, percent=b.this[sid]),
                Datum(b.label, last_column, percent=b.last[sid]),
                Datum(b.label, change_column, value=b.difference[sid]),
            ]
        rows.append(tuple(row))
    return Table("year_over_year", title, tuple(header), tuple(rows), tuple(previous.notes), data=tuple(data))


def k10_table(k10: K10, lang: str = "en") -> Table:
    respondents = t(lang, "h_respondents")
    header = (t(lang, "h_band"), respondents, t(lang, "h_percent"))
    if k10.suppressed:
        labels = [b.label for b in k10.bands]
        return withheld("k10", t(lang, "t_k10"), header, labels, (respondents,), tuple(k10.notes))
    rows = tuple((b.label, str(b.count), pct(b.percent, lang)) for b in k10.bands)
    notes = (
        t(
            lang,
            "k10_mean",
            mean=num(k10.mean, 1, lang),
            sd=num(k10.sd, 1, lang),
            totals=translate_plural(lang, "%(num)s K10 total", "%(num)s K10 totals", k10.n),
            prorated=k10.prorated,
            left=k10.incomplete,
        ),
        *k10.notes,
    )
    data = tuple(Datum(b.label, respondents, count=b.count, percent=b.percent) for b in k10.bands)
    return Table("k10", t(lang, "t_k10"), header, rows, notes, data=data)


def p_value(p: float | None, lang: str) -> str:
    """An unadjusted P in journal style (:func:`shared.report.stats.format_p`), in the report's language."""
    return DASH if p is None else p_text(format_p(p), lang)


def ratio(value: float | None, lang: str, unbounded: bool = False) -> str:
    """An odds ratio to two decimals; one a zero cell makes infinite (None, named ``unbounded``)
    is said in words, never "inf" or "NaN"."""
    if unbounded:
        return t(lang, "not_estimable")
    return DASH if value is None else num(value, 2, lang)


def ratio_interval(ci95: list[float | None] | None, unbounded: list[str], lang: str) -> str:
    """An odds ratio's 95% interval, an upper end that a zero cell makes infinite said in words."""
    low, high = ci95 or (None, None)
    if CI_HIGH in unbounded:
        return t(lang, "open_interval", low=ratio(low, lang))
    return t(lang, "interval", low=ratio(low, lang), high=ratio(high, lang))


def unbounded_note(unbounded: list[str], lang: str) -> str:
    """What the CSV's ``note`` column says of a row whose empty figures are infinite, not missing."""
    return t(lang, "csv_unbounded") if unbounded else ""


# The outcome tables' tests, named in the report's language (the result carries the English name).
TEST_NAMES = {FISHER: N_("Fisher's exact"), CHI_SQUARE: N_("chi-square (Yates)")}


def outcome_tables(outcomes: Outcomes, survey_id: str, lang: str = "en") -> list[Table]:
    """The survey's outcome tables (issue 14): severity bands, help-seeking intention, service use
    by peer-support use, and this survey against the previous one."""
    out = [severity_table(s, lang) for s in outcomes.severity]
    if outcomes.help_seeking is not None:
        out.append(help_seeking_table(outcomes.help_seeking, lang))
    if outcomes.service_use is not None:
        out.append(service_use_table(outcomes.service_use, lang))
    if outcomes.by_year:
        out.append(by_year_table(outcomes, survey_id, lang))
    return out


def help_seeking_table(hs: HelpSeeking, lang: str) -> Table:
    median = t(lang, "h_median")
    header = (t(lang, "h_source"), median)
    title = translate_plural(
        lang,
        "Help-seeking intention, 1 (extremely unlikely) to 7 (extremely likely), %(num)s respondent",
        "Help-seeking intention, 1 (extremely unlikely) to 7 (extremely likely), %(num)s respondents",
        hs.n,
    )
    sources = (("seek_faculty", t(lang, "score_seek_faculty")), ("seek_peers", t(lang, "score_seek_peers")))
    if hs.suppressed:
        return withheld("help_seeking", title, header, [label for _, label in sources], (median,), (hs.note,))
    rows = tuple((label, num(hs.medians.get(fid), 1, lang)) for fid, label in sources)
    notes = [hs.note] if hs.p is None else []
    if hs.p is not None:
        notes = [
            t(
                lang,
                "hs_difference",
                d=points(hs.median_difference, lang),
                r=num(hs.r, 2, lang),
                p=p_value(hs.p, lang),
            ),
            t(
                lang,
                "hs_higher",
                faculty=hs.higher.get("seek_faculty", 0),
                peers=hs.higher.get("seek_peers", 0),
                same=hs.n - sum(hs.higher.values()),
            ),
            *([hs.note] if hs.note else []),
        ]
    value = t(lang, "value")
    data = [Datum(label, median, value=hs.medians.get(fid)) for fid, label in sources]
    data.append(Datum(t(lang, "h_median_difference"), value, value=hs.median_difference, p=hs.p))
    data.append(Datum(t(lang, "h_effect_r"), value, value=hs.r))
    if hs.p is not None:
        higher = t(lang, "h_rated_higher")
        data += [Datum(label, higher, count=hs.higher.get(fid, 0)) for fid, label in sources]
    return Table("help_seeking", title, header, rows, tuple(notes), data=tuple(data))


def service_use_table(su: ServiceUse, lang: str) -> Table:
    yes, no = t(lang, "h_used_professional"), t(lang, "h_not_professional")
    header = (t(lang, "h_group"), yes, no)
    title = translate_plural(
        lang,
        "Professional service use by peer-support use (%(num)s respondent)",
        "Professional service use by peer-support use (%(num)s respondents)",
        su.n,
    )
    groups = [label[:1].upper() + label[1:] for label in su.labels]
    if su.suppressed:
        hidden_notes = (su.note, *(note for note in (su.definition, su.disagree_note) if note))
        hidden = withheld("service_use", title, header, groups, (yes, no), hidden_notes)
        odds = Datum(t(lang, "h_odds_ratio"), t(lang, "value"), suppressed=True)
        return replace(hidden, data=(*hidden.data, odds))
    rows: list[tuple[str, ...]] = []
    data = []
    for group, label, cells in zip(groups, su.labels, su.table or [], strict=False):
        share = su.percent.get(label)
        rows.append((group, count_pct(cells[0], share, lang), str(cells[1])))
        data += [Datum(group, yes, count=cells[0], percent=share), Datum(group, no, count=cells[1])]
    notes = []
    if su.p is not None:
        notes.append(
            t(
                lang,
                "su_result",
                test=translate(lang, TEST_NAMES.get(su.test, su.test)),
                p=p_value(su.p, lang),
                ci=ratio_interval(su.ci95, su.unbounded, lang),
                **{"or": ratio(su.odds_ratio, lang, ODDS_RATIO in su.unbounded)},
            )
        )
        ci: list[float | None] = list(su.ci95) if su.ci95 else [None, None]
        data.append(
            Datum(
                t(lang, "h_odds_ratio"),
                t(lang, "value"),
                value=su.odds_ratio,
                p=su.p,
                ci_low=ci[0],
                ci_high=ci[1],
                note=unbounded_note(su.unbounded, lang),
            )
        )
    if su.note:
        notes.append(su.note)
    notes += [note for note in (su.definition, su.disagree_note) if note]
    if su.caveat:
        notes.append(t(lang, "caveat"))
    return Table("service_use", title, header, tuple(rows), tuple(notes), data=tuple(data))


def by_year_table(outcomes: Outcomes, survey_id: str, lang: str) -> Table:
    """Each score and yes/no item, this survey against the previous one, with its effect size: r
    and the probability of superiority for a score, the odds ratio for a yes/no item. In the CSV
    each effect has its own column (``Effect size r``, ``Chance higher`` as a percent, ``Odds
    ratio``)."""
    this_h, last_h, p_h = t(lang, "h_this_n"), t(lang, "h_last_n"), t(lang, "h_p_plain")
    effect_h, chance_h = t(lang, "h_effect"), t(lang, "h_superiority")
    r_h, or_h = t(lang, "h_effect_r"), t(lang, "h_odds_ratio")
    rows = []
    data = []
    notes = [t(lang, "by_year_note"), t(lang, "by_year_effects")]
    for c in outcomes.by_year:
        share = c.measure == "percent"

        def shown(value: float | None, share: bool = share) -> str:
            return pct(value, lang) if share else num(value, 1, lang)

        rows.append(
            (
                c.label,
                f"{shown(c.this)} ({c.n_this})",
                f"{shown(c.last)} ({c.n_last})",
                p_value(c.p, lang),
                _effect(c, lang),
                DASH if c.superiority is None else pct(100.0 * c.superiority, lang, places=0),
            )
        )
        for head, n, figure in ((this_h, c.n_this, c.this), (last_h, c.n_last, c.last)):
            data.append(
                Datum(
                    c.label,
                    head,
                    count=n,
                    percent=figure if share else None,
                    value=None if share else figure,
                    suppressed=c.suppressed,
                )
            )
        data.append(Datum(c.label, p_h, p=c.p, suppressed=c.suppressed))
        if share:
            note = unbounded_note(c.unbounded, lang)
            data.append(Datum(c.label, or_h, value=c.odds_ratio, suppressed=c.suppressed, note=note))
        else:
            data.append(Datum(c.label, r_h, value=c.r, suppressed=c.suppressed))
            superiority = None if c.superiority is None else 100.0 * c.superiority
            data.append(Datum(c.label, chance_h, percent=superiority, suppressed=c.suppressed))
        if c.note:
            notes.append(labelled(c.label, c.note, lang))
    return Table(
        "outcomes_by_year",
        t(lang, "t_outcomes_by_year", this=survey_id, last=outcomes.previous),
        (t(lang, "h_measure"), this_h, last_h, p_h, effect_h, chance_h),
        tuple(rows),
        tuple(notes),
        data=tuple(data),
    )


def _effect(change: ScoreChange, lang: str) -> str:
    """A by-year row's effect size in words: "r = 0.32" for a score, "odds ratio 1.25" for a
    yes/no item (one a zero cell makes infinite said so), a dash when none was computed."""
    if change.measure == "percent":
        if ODDS_RATIO in change.unbounded:
            return t(lang, "not_estimable")
        return (
            DASH
            if change.odds_ratio is None
            else t(lang, "effect_or", **{"or": ratio(change.odds_ratio, lang)})
        )
    return DASH if change.r is None else t(lang, "effect_r", r=num(change.r, 2, lang))


def severity_table(severity: Severity, lang: str = "en") -> Table:
    respondents = t(lang, "h_respondents")
    header = (t(lang, "h_band"), respondents, t(lang, "h_percent"))
    note = t(
        lang,
        "severity_note",
        complete=translate_plural(lang, "%(num)s complete total", "%(num)s complete totals", severity.n),
        partial=translate_plural(
            lang, "%(num)s partial answer", "%(num)s partial answers", severity.incomplete
        ),
        skipped=translate_plural(lang, "%(num)s with no answer", "%(num)s with no answer", severity.skipped),
    )
    if severity.suppressed:
        labels = [b.label for b in severity.bands]
        notes = (severity.note, note)
        return withheld(severity.id, severity.label, header, labels, (respondents,), notes)
    rows = tuple((b.label, str(b.count), pct(b.percent, lang)) for b in severity.bands)
    data = tuple(Datum(b.label, respondents, count=b.count, percent=b.percent) for b in severity.bands)
    return Table(severity.id, severity.label, header, rows, (note,), data=data)


def follow_up_tables(follow_ups: FollowUpOutcomes, lang: str = "en") -> list[Table]:
    """The follow-ups planned by the period's interactions, where they stood on the report's day
    (counts only), and referral uptake per destination."""
    head = t(lang, "h_follow_ups")
    counts = [(t(lang, f"fu_{key}"), getattr(follow_ups, key)) for key in FOLLOW_UP_COUNTS]
    out = [
        Table(
            "follow_ups",
            t(lang, "t_follow_ups", day=long_date(date.fromisoformat(follow_ups.as_of), lang)),
            (t(lang, "figure"), head),
            tuple((label, str(n)) for label, n in counts),
            (t(lang, "fu_about"), *follow_ups.notes),
            data=tuple(Datum(label, head, count=n) for label, n in counts),
        )
    ]
    if follow_ups.uptake:
        keys = ("h_referrals_planned", "h_followed_up", "h_connected", "h_not_yet", "h_declined", "h_unknown")
        heads = [t(lang, k) for k in (*keys, "h_closed", "h_open")]
        uptake = t(lang, "h_uptake")
        rows = []
        data = []
        notes = [t(lang, "uptake_note")]
        for u in follow_ups.uptake:
            figures = (
                u.referrals,
                u.followed_up,
                u.connected,
                u.not_yet,
                u.declined,
                u.unknown,
                u.closed,
                u.open,
            )
            shown = DASH if u.rate is None else f"{pct(u.rate, lang)} ({interval(u.ci95, lang)})"
            rows.append((u.label, *(str(n) for n in figures), shown))
            data += [Datum(u.label, h, count=n) for h, n in zip(heads, figures, strict=True)]
            bounds: list[float | None] = list(u.ci95) if u.ci95 else [None, None]
            data.append(
                Datum(u.label, uptake, count=u.known, percent=u.rate, ci_low=bounds[0], ci_high=bounds[1])
            )
            if u.note:
                notes.append(labelled(u.label, u.note, lang))
        out.append(
            Table(
                "referral_uptake",
                t(lang, "t_uptake"),
                (t(lang, "h_destination"), *heads, uptake),
                tuple(rows),
                tuple(notes),
                data=tuple(data),
            )
        )
    return out


def breakdown_table(b: Breakdown, lang: str = "en") -> Table:
    interactions = t(lang, "h_interactions")
    rows = tuple((localize(r.label, lang), str(r.count), pct(r.percent, lang)) for r in b.rows)
    notes = [
        translate_plural(
            lang,
            "%(num)s interaction answered this question.",
            "%(num)s interactions answered this question.",
            b.answered,
        )
    ]
    if b.not_answered:
        notes.append(translate_plural(lang, "%(num)s did not.", "%(num)s did not.", b.not_answered))
    if b.note:
        notes.append(b.note)
    data = tuple(Datum(r.label, interactions, count=r.count, percent=r.percent) for r in b.rows)
    return Table(
        f"by_{b.field}",
        b.label,
        (t(lang, "h_answer"), interactions, t(lang, "h_percent")),
        rows,
        (" ".join(notes),),
        data=data,
    )


def says_nothing(table: ProtectedCounts | Crosstab) -> bool:
    """True when protection left a breakdown with no information: every category merged into
    one row (which is then just the total, or the column totals shown elsewhere), or every
    count hidden."""
    rows = table.rows
    if len(rows) == 1 and rows[0].merged:
        return True
    cells: list[Shown | ProtectedRow] = []
    for row in rows:
        if isinstance(row, CrosstabRow):
            cells += row.cells
        else:
            cells.append(row)
    return bool(cells) and all(c.suppressed for c in cells)


def dropped(table_id: str, title: str, table: ProtectedCounts | Crosstab, lang: str) -> Table:
    """A table left out, with the one-line reason in its place."""
    return Table(table_id, title, (), (), (t(lang, "dropped", threshold=table.threshold),))


def _cell(row: str, column: str, cell: Shown | ProtectedRow) -> Datum:
    return Datum(row, column, count=cell.count, suppressed=bool(cell.suppressed))


def protected_counts_table(
    table_id: str, title: str, what: str, unit: str, table: ProtectedCounts, lang: str = "en"
) -> Table:
    if says_nothing(table):
        return dropped(table_id, title, table, lang)
    rows = [(r.label, r.display) for r in table.rows]
    total = table.total
    rows.append((t(lang, "total"), total.display if total else DASH))
    data = [_cell(r.label, unit, r) for r in table.rows]
    if total:
        data.append(_cell(t(lang, "total"), unit, total))
    return Table(
        table_id,
        title,
        (what, unit),
        tuple(rows),
        tuple(_protection_notes(table, lang)),
        total_row=True,
        data=tuple(data),
    )


def crosstab_table(table_id: str, title: str, table: Crosstab, lang: str = "en") -> Table:
    if says_nothing(table):
        return dropped(table_id, title, table, lang)
    total_label = t(lang, "total")
    columns = [c.label for c in table.columns]
    header = (t(lang, "h_year"), *columns, total_label)
    rows = [
        (r.label, *(c.display for c in r.cells), r.total.display if r.total else DASH) for r in table.rows
    ]
    data = []
    for r in table.rows:
        data += [_cell(r.label, col, c) for col, c in zip(columns, r.cells, strict=True)]
        if r.total:
            data.append(_cell(r.label, total_label, r.total))
    col_totals = table.column_totals or []
    rows.append(
        (
            total_label,
            *(c.display for c in col_totals),
            table.total.display if table.total else DASH,
        )
    )
    data += [_cell(total_label, col, c) for col, c in zip(columns, col_totals, strict=True)]
    if table.total:
        data.append(_cell(total_label, total_label, table.total))
    return Table(
        table_id,
        title,
        header,
        tuple(rows),
        tuple(_protection_notes(table, lang)),
        total_row=True,
        data=tuple(data),
    )


def _protection_notes(table: ProtectedCounts | Crosstab, lang: str = "en") -> list[str]:
    threshold = table.threshold
    notes = list(table.notes)
    if threshold:
        notes.insert(0, t(lang, "protection", threshold=threshold))
    return notes


def chart_alt(report: Report) -> str:
    """The chart's text alternative: one short sentence (the numbers are in the table below it)."""
    return t(_lang(report), "chart_alt")
