"""The form tree: small frozen dataclasses that every output (schema, HTML, CSV, labels) reads.

A :class:`Form` holds fields and sections in definition order. A *switchable* section (the
K10 block) is left out unless the caller names it, in :class:`ValidationContext` or in the
``sections`` argument of the methods below. The methods here are thin: validation lives in
``schema.py``, rendering in ``render.py`` and the flat name/value mapping in ``shapes.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from typing import Any, Protocol

from shared.forms.messages import LANGS, message


class Shape(Protocol):
    """How a field's answer maps to HTML names and CSV columns (see :mod:`shared.forms.shapes`)."""

    def owns(self, f: Field, key: str) -> bool: ...
    def from_html(self, f: Field, form: Any) -> Any: ...
    def shown(self, f: Field, value: Any) -> Any: ...
    def columns(self, f: Field) -> list[str]: ...
    def to_cells(self, f: Field, value: Any) -> dict[str, str]: ...
    def from_cells(self, f: Field, row: Mapping[str, str]) -> tuple[Any, list[str]]: ...


class FieldKind(Protocol):
    """What the tree needs of a field's type; the types themselves are rows of
    :data:`shared.forms.types.FIELD_TYPES`, which build on this module (not the reverse)."""

    @property
    def name(self) -> str: ...
    @property
    def shape(self) -> Shape: ...
    @property
    def macro(self) -> str: ...
    @property
    def choice_ids(self) -> type | None: ...
    @property
    def builtin_choices(self) -> tuple[Choice, ...]: ...
    def answer(self, *args: Any, **kwargs: Any) -> Any: ...
    def text(self, value: Any) -> str: ...


class FormDefinitionError(ValueError):
    """A form definition (YAML) is not usable; the message names the file and the place."""


class FormInvalid(ValueError):
    """Submitted answers did not validate. ``errors`` maps a field id (or ``barriers.<row>``,
    or ``_form``) to messages in the context's language."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(f"{len(errors)} invalid answer(s): {', '.join(sorted(errors))}")
        self.errors = errors


NONE_CHOICE = "none"  # the id a matrix row's "None of these" is stored as
SENSITIVE = ("mental_health", "self_harm")  # a block's ``sensitive``, the later the weightier


@dataclass(frozen=True)
class Label:
    """A text in every supported language."""

    en: str
    fr: str

    def get(self, lang: str) -> str:
        return getattr(self, lang if lang in LANGS else "en")


@dataclass(frozen=True)
class Choice:
    """An option of a choice/multi/likert field, a column (barrier) or a row (service) of a matrix."""

    id: str | int  # int only for likert points
    label: Label
    report_label: Label | None = None  # the report's wording, when the question's does not fit a table


@dataclass(frozen=True)
class Field:
    id: str
    kind: FieldKind
    label: Label
    required: bool = False
    help: Label | None = None
    report_label: Label | None = None  # the report's wording ("Concern level"), else ``label``
    choices: tuple[Choice, ...] = ()
    rows: tuple[Choice, ...] = ()  # matrix only
    row_question: Label | None = None  # matrix only: a template naming {row}
    # matrix only: the label of an explicit "None of these" per row (id NONE_CHOICE). With it, a
    # row with nothing checked is no answer for that row, not "no barrier".
    none_choice: Label | None = None
    min: int | None = None
    max: int | None = None
    min_selected: int | None = None
    max_length: int | None = None
    multiline: bool = False
    section: str | None = None  # the id of the enclosing section

    @property
    def type(self) -> str:
        return self.kind.name

    def choice_ids(self) -> list[str]:
        return [str(c.id) for c in self.choices]


# -- instruments: what a block of forms/blocks/ is beyond its questions --------------------------
# Where the questions come from and under what licence, how they are scored (a sum of items with
# severity bands), which answers show a student the support resources on the thank-you page, and
# which items may only ever be shown for the whole survey (PHQ-9 item 9). No pandas or scipy here:
# the survey entry point scores answers with it.


@dataclass(frozen=True)
class Band:
    """A severity band: totals from ``low`` to ``high`` inclusive."""

    id: str
    low: int
    high: int
    label: Label


@dataclass(frozen=True)
class SafetyItem:
    """An item whose answer at or above ``at_least`` shows the support resources."""

    field: str
    at_least: int


def prorated_total(given: Sequence[int], items: int, max_missing: int) -> int | None:
    """The total of ``items`` items from the ``given`` answers: their sum when none was skipped,
    prorated when at most ``max_missing`` were (the mean of the answered items times ``items``,
    rounded to a whole number), else None. The one rule the report's K10 table and the
    thank-you page share (:func:`shared.report.columns.k10_total` calls it).

    ``(2 * s * n // k + 1) // 2`` is ``floor(s * n/k + 1/2)`` in integers; for the K10
    (``n = 10``, ``k = 9``) ``s * 10/9`` is never a half (its fraction is j/9), so no rounding
    convention can give another total, and the total falls in exactly one band.

    Source, checked: the PMHC MDS specification's K10+ "Total score" data element (Australian
    Government Department of Health; Primary Mental Health Care Minimum Data Set, in force from
    1 November 2021): "Total score = round( sum of valid scores / 9 * 10 )" when exactly one of
    items 1-10 is missing, and a K10 with more than one missing item "is regarded as invalid"
    (https://github.com/logicly-au/pmhc-mds-spec, ``table/collection-occasion/k10p/score.rst``).
    That page refers, for scoring, to page 58 of AMHOCN's "Overview of clinician-rated and
    consumer self-report measures" v2.1 (NOCC, 2021), https://www.amhocn.org/sites/default/files/
    publication_files/nocc_clinician_and_self-report_measures_overview_v2.1_20210913_1.pdf,
    which we could not read here: the rule is cited from the PMHC MDS page, not from AMHOCN's.
    """
    missing = items - len(given)
    if missing == 0:
        return sum(given)
    if missing > max_missing or not given:
        return None
    return (2 * sum(given) * items // len(given) + 1) // 2


def _item_score(value: Any) -> int | None:
    return value if type(value) is int else None  # never a bool, a float or a string


@dataclass(frozen=True)
class Instrument:
    """A block's provenance and scoring. ``items`` are the summed fields (empty: not scored),
    each scoring from ``item_range[0]`` to ``item_range[1]`` (the lowest and highest choice).

    ``name`` and ``about`` are what coordinators read when they choose blocks ("PHQ-9",
    "Depressive symptoms, last 2 weeks"): the section's label is the students' wording."""

    source: str
    licence: str
    scoring: str  # the rule in words, for people
    name: Label
    about: Label
    items: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    safety_band: str | None = None  # a total in this band shows the support resources
    safety_items: tuple[SafetyItem, ...] = ()
    whole_survey_only: tuple[str, ...] = ()  # never exported by default, never in a report figure
    prorate_missing: int = 0  # a total is prorated over at most this many skipped items (K10: 1)
    item_range: tuple[int, int] = (0, 0)

    def _given(self, answers: Mapping[str, Any]) -> list[int]:
        return [v for v in (_item_score(answers.get(item)) for item in self.items) if v is not None]

    def score(self, answers: Mapping[str, Any]) -> int | None:
        """The total (:func:`prorated_total`): every item answered, or prorated over at most
        ``prorate_missing`` skipped ones; ``None`` otherwise (a partial sum is no score)."""
        if not self.items:
            return None
        return prorated_total(self._given(answers), len(self.items), self.prorate_missing)

    def band(self, total: int | None) -> Band | None:
        if total is None:
            return None
        return next((b for b in self.bands if b.low <= total <= b.high), None)

    def total_range(self, answers: Mapping[str, Any]) -> tuple[int, int] | None:
        """The lowest and the highest total the answers allow, whatever the skipped items would
        have been; ``None`` for an instrument that is not scored or answers with no item given."""
        given = self._given(answers)
        if not self.items or not given:
            return None
        missing = len(self.items) - len(given)
        low, high = self.item_range
        return sum(given) + missing * low, sum(given) + missing * high

    def needs_support(self, answers: Mapping[str, Any]) -> bool:
        """True when these answers fall where the program wants the student to see its resources:
        a safety item at or above its threshold; a total (prorated as the report prorates it) in
        the safety band; or, however many items were skipped, answers that put the total in the
        safety band whatever the skipped items would have been (PHQ-9 items 1-8 all "nearly every
        day" with item 9 skipped: 24 already, severe). A skipped item never hides a high answer."""
        for item in self.safety_items:
            value = _item_score(answers.get(item.field))
            if value is not None and value >= item.at_least:
                return True
        if self.safety_band is None:
            return False
        band = self.band(self.score(answers))
        if band is not None and band.id == self.safety_band:
            return True
        bounds = self.total_range(answers)
        if bounds is None:
            return False
        low, high = (self.band(total) for total in bounds)
        return low is not None and high is not None and low.id == high.id == self.safety_band


@dataclass(frozen=True)
class Section:
    """A group of fields shown under one legend; a switchable one is off unless named."""

    id: str
    label: Label
    fields: tuple[Field, ...]
    help: Label | None = None
    switchable: bool = False
    instrument: Instrument | None = None  # a block of forms/blocks/: source, licence, scoring
    minutes: int = 0  # a block's share of the time the survey takes (its ``minutes``)
    # What a block asks about that a student should be told of before starting (one of
    # SENSITIVE, the later the weightier): the survey's intro says it gently.
    sensitive: str | None = None


@dataclass(frozen=True)
class ValidationContext:
    """What a validation depends on besides the answers: the reader's language, today's date
    in the program's time zone, the earliest allowed date, and the switchable sections that are on."""

    lang: str = "en"
    today: date | None = None
    min_date: date | None = None
    sections: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}")
        object.__setattr__(self, "sections", frozenset(self.sections))


# eq=False: a form is compared and hashed by identity, so it can key caches cheaply.
@dataclass(frozen=True, eq=False)
class Form:
    id: str
    title: Label
    children: tuple[Field | Section, ...]
    purpose: str = "log"  # "survey": students answer it through survey links; "log": supporters'
    minutes: int | None = None  # about how long the form takes without its blocks (``minutes``)
    _schemas: dict = dataclass_field(default_factory=dict, repr=False)  # sections -> marshmallow schema

    # -- the tree ----------------------------------------------------------------------
    @property
    def sections(self) -> tuple[Section, ...]:
        return tuple(c for c in self.children if isinstance(c, Section))

    def all_fields(self) -> list[Field]:
        """Every field, whatever section it is in, in definition order."""
        out: list[Field] = []
        for child in self.children:
            out.extend(child.fields if isinstance(child, Section) else [child])
        return out

    def fields(self, sections: Iterable[str] = ()) -> list[Field]:
        """The fields asked when the named switchable sections are on, in definition order."""
        on = self.check_sections(sections)
        out: list[Field] = []
        for child in self.children:
            if isinstance(child, Field):
                out.append(child)
            elif not child.switchable or child.id in on:
                out.extend(child.fields)
        return out

    def field(self, field_id: str) -> Field:
        for f in self.all_fields():
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def whole_survey_only(self) -> frozenset[str]:
        """Fields no breakdown smaller than the whole survey may show (PHQ-9 item 9): the responses
        export leaves them out unless asked, and the report never reads them (a whole-survey figure
        set against the export's other items would give one student's answer away)."""
        return frozenset(f for s in self.sections if s.instrument for f in s.instrument.whole_survey_only)

    def minutes_with(self, sections: Iterable[str] = ()) -> int | None:
        """About how many minutes the form takes with these blocks on (None: no estimate given)."""
        if self.minutes is None:
            return None
        on = self.check_sections(sections)
        return self.minutes + sum(s.minutes for s in self.sections if s.switchable and s.id in on)

    def sensitive_with(self, sections: Iterable[str] = ()) -> str | None:
        """The weightiest :data:`SENSITIVE` topic the blocks switched on ask about, if any."""
        on = self.check_sections(sections)
        asked = {s.sensitive for s in self.sections if s.switchable and s.id in on and s.sensitive}
        return max(asked, key=SENSITIVE.index) if asked else None

    def blocks(self) -> list[str]:
        """The ids of the switchable sections, the blocks a survey may switch on."""
        return [s.id for s in self.sections if s.switchable]

    def check_sections(self, sections: Iterable[str]) -> frozenset[str]:
        """The names as a set; a name that is not a switchable section is a programming error."""
        on = frozenset(sections)
        known = {s.id for s in self.sections if s.switchable}
        if on - known:
            raise ValueError(f"form {self.id!r} has no switchable section {sorted(on - known)}")
        return on

    # -- answers in, answers out -------------------------------------------------------
    def parse_html(self, form: Any, *, ignore: Iterable[str] = ()) -> dict[str, Any]:
        """Turn a posted multidict (``getlist``/``keys``) into the data :func:`shared.forms.validate` takes.

        Blank inputs become absent; keys in ``ignore`` (the page's own) are dropped; any other
        key that is no field is kept, so that validation rejects it.
        """
        skip = set(ignore)
        out: dict[str, Any] = {}
        claimed: set[str] = set()
        for f in self.all_fields():
            value = f.kind.shape.from_html(f, form)
            claimed.update(k for k in form.keys() if f.kind.shape.owns(f, k))
            if value is not None:
                out[f.id] = value
        for key in form.keys():
            if key not in skip and key not in claimed:
                values = form.getlist(key)
                out[key] = values[0] if len(values) == 1 else values
        return out

    def columns(self, sections: Iterable[str] = ()) -> list[str]:
        """The CSV header for answers given with these sections on."""
        return [c for f in self.fields(sections) for c in f.kind.shape.columns(f)]

    def to_row(self, answers: Mapping[str, Any], *, sections: Iterable[str] = ()) -> dict[str, str]:
        """One CSV row (exactly :meth:`columns`); a question with no answer is a blank cell."""
        active = self.fields(sections)
        stray = set(answers) - {f.id for f in active}
        if stray:
            raise ValueError(
                f"answers hold {sorted(stray)}, which are not columns with sections {sorted(sections)}"
            )
        row: dict[str, str] = {}
        for f in active:
            row.update(f.kind.shape.to_cells(f, answers.get(f.id)))
        return row

    def from_row(self, row: Mapping[str, str], *, lang: str = "en") -> dict[str, Any]:
        """The inverse of :meth:`to_row`, giving data for :func:`shared.forms.validate`. A missing column or a
        blank cell is no answer. Raises :class:`FormInvalid` for a matrix cell that is not 1/0/blank;
        unknown columns are the caller's to reject (compare with :meth:`columns`)."""
        out: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for f in self.all_fields():
            value, bad = f.kind.shape.from_cells(f, row)
            if value is not None:
                out[f.id] = value
            for column in bad:
                errors[column] = [message("not_0_or_1", lang, label=column)]
        if errors:
            raise FormInvalid(errors)
        return out

    def labels(self, lang: str) -> dict[str, str]:
        """Texts for a report: ``id``, ``id.choice``, ``matrix.row`` and ``section`` ids to labels."""
        out: dict[str, str] = {}
        for child in self.children:
            if isinstance(child, Section):
                out[child.id] = child.label.get(lang)
        for f in self.all_fields():
            out[f.id] = f.label.get(lang)
            for option in f.rows + f.choices:
                out[f"{f.id}.{option.id}"] = option.label.get(lang)
        return out

    def report_labels(self, lang: str) -> dict[str, str]:
        """:meth:`labels` with each ``report_label`` in place of the question's wording."""
        out = self.labels(lang)
        for f in self.all_fields():
            if f.report_label is not None:
                out[f.id] = f.report_label.get(lang)
            for option in f.rows + f.choices:
                if option.report_label is not None:
                    out[f"{f.id}.{option.id}"] = option.report_label.get(lang)
        return out
