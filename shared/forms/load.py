"""Read a form definition (YAML) into the :mod:`shared.forms.model` tree, checking it on the way.

Everything a definition can get wrong raises :class:`FormDefinitionError` with the file and
the field: unknown keys or types, duplicate ids, a missing label or language, bad limits.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from shared.forms.messages import LANGS
from shared.forms.model import (
    NONE_CHOICE,
    SENSITIVE,
    Band,
    Choice,
    Field,
    Form,
    FormDefinitionError,
    Instrument,
    Label,
    SafetyItem,
    Section,
)
from shared.forms.types import FIELD_TYPES

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
BLOCKS = "blocks"  # forms/blocks/<id>.yaml: the instrument library, one switchable block a file
DEFAULT_MAX_LENGTH = 1000  # no text answer is unbounded

_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")  # also safe in HTML names, CSV columns and ";" lists
_FORM_KEYS = {"id", "title", "purpose", "minutes", "choice_lists", "fields", "blocks"}
PURPOSES = ("survey", "log")  # a survey form is answered through survey links; a log form by supporters
_SECTION_KEYS = {"id", "type", "label", "help", "switchable", "fields"}
_BLOCK_KEYS = {"id", "label", "help", "minutes", "sensitive", "instrument", "choice_lists", "fields"}
_INSTRUMENT_KEYS = {
    *("name", "about", "source", "licence", "scoring"),
    *("score_items", "prorate_missing", "bands", "safety", "whole_survey_only"),
}
_COMMON_KEYS = {"id", "type", "label", "help", "required", "report_label"}


@functools.cache
def load_form(name: str, directory: Path = FORMS_DIR) -> Form:
    """The form defined in ``<directory>/<name>.yaml``, read once per process."""
    if not isinstance(name, str) or not _ID.fullmatch(name):
        raise FormDefinitionError(f"{name!r} is not a form name (lowercase letters, digits, _)")
    path = Path(directory) / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormDefinitionError(f"no form {name!r}: {path} does not exist") from None
    form = parse_form(text, source=path.name, blocks_dir=Path(directory) / BLOCKS)
    if form.id != name:
        raise FormDefinitionError(f"{path.name}: id is {form.id!r}, expected {name!r} (the file name)")
    return form


# libyaml's safe loader when PyYAML was built with it (about 7x faster: forms load on every
# cold start), else the pure-Python one; both build only plain YAML types.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_form(
    yaml_text: str, *, source: str = "<inline form>", blocks_dir: Path = FORMS_DIR / BLOCKS
) -> Form:
    """A form from YAML text; ``source`` names it in error messages, ``blocks`` come from ``blocks_dir``."""
    return _Reader(source, blocks_dir).form(_yaml(yaml_text, source))


def _yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as err:
        raise FormDefinitionError(f"{source}: not valid YAML: {err}") from None


class _Reader:
    def __init__(self, source: str, blocks_dir: Path):
        self.source = source
        self.blocks_dir = blocks_dir
        self.ids: set[str] = set()
        self.lists: dict[str, Any] = {}

    def fail(self, where: str, problem: str) -> FormDefinitionError:
        return FormDefinitionError(f"{self.source}: {where}: {problem}")

    def mapping(self, where: str, raw: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a mapping of keys to values")
        if unknown := sorted(set(map(str, raw)) - allowed):
            raise self.fail(
                where, f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
            )
        if missing := sorted(required - set(raw)):
            raise self.fail(where, f"missing {', '.join(missing)}")
        return raw

    def id(self, where: str, value: Any) -> str:
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise self.fail(
                where, f"id {value!r} must be lowercase letters, digits and _, starting with a letter"
            )
        if value in self.ids:
            raise self.fail(where, f"duplicate id {value!r}")
        self.ids.add(value)
        return value

    def label(self, where: str, raw: Any) -> Label:
        texts = self.mapping(where, raw, set(LANGS), set(LANGS))
        for lang in LANGS:
            if not isinstance(texts[lang], str) or not texts[lang].strip():
                raise self.fail(where, f"the {lang} text is empty")
        return Label(**{lang: texts[lang].strip() for lang in LANGS})

    def number(self, where: str, raw: dict[str, Any], key: str, low: int | None = None) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low):
            raise self.fail(where, f"{key} must be a whole number" + (f" of at least {low}" if low else ""))
        return value

    def flag(self, where: str, raw: dict[str, Any], key: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(where, f"{key} must be true or false")
        return value

    def choices(self, where: str, raw: Any, id_type: type) -> tuple[Choice, ...]:
        if isinstance(raw, str):
            if raw not in self.lists:
                raise self.fail(where, f"no choice list named {raw!r} in choice_lists")
            raw = self.lists[raw]
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "choices must be a non-empty list (or the name of a choice list)")
        out: list[Choice] = []
        for n, item in enumerate(raw, 1):
            spot = f"{where}, option {n}"
            item = self.mapping(spot, item, {"id", "label", "report_label"}, {"id", "label"})
            value = item["id"]
            if id_type is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise self.fail(spot, f"id {value!r} must be a whole number")
            if id_type is str and (not isinstance(value, str) or not _ID.fullmatch(value)):
                raise self.fail(spot, f"id {value!r} must be lowercase letters, digits and _")
            if value in [c.id for c in out]:
                raise self.fail(spot, f"duplicate option id {value!r}")
            report = (
                self.label(f"{spot} report_label", item["report_label"]) if "report_label" in item else None
            )
            out.append(Choice(value, self.label(f"{spot} label", item["label"]), report))
        return tuple(out)

    def form(self, raw: Any) -> Form:
        raw = self.mapping("form", raw, _FORM_KEYS, {"id", "title", "fields"})
        form_id = self.id("form", raw["id"])
        purpose = raw.get("purpose", "log")
        if purpose not in PURPOSES:
            raise self.fail("purpose", f"expected one of {', '.join(PURPOSES)}, not {purpose!r}")
        self.ids.discard(form_id)  # a field may share the form's name
        lists = raw.get("choice_lists") or {}
        if not isinstance(lists, dict):
            raise self.fail("choice_lists", "expected a mapping of list names to choices")
        self.lists = lists
        children: list[Field | Section] = []
        for n, item in enumerate(self.items("form", raw["fields"]), 1):
            if isinstance(item, dict) and item.get("type") == "section":
                children.append(self.section(f"item {n}", item))
            else:
                children.append(self.field(f"item {n}", item, None))
        blocks = raw.get("blocks") or []
        if not isinstance(blocks, list):
            raise self.fail("blocks", "expected a list of block names (files in forms/blocks/)")
        form_lists = self.lists
        for name in blocks:
            children.append(self.block(name))
        self.lists = form_lists
        return Form(
            id=form_id,
            title=self.label("title", raw["title"]),
            children=tuple(children),
            purpose=purpose,
            minutes=self.number("form", raw, "minutes", low=1),
        )

    def items(self, where: str, raw: Any) -> list[Any]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(where, "fields must be a non-empty list")
        return raw

    def section(self, where: str, raw: dict[str, Any]) -> Section:
        raw = self.mapping(where, raw, _SECTION_KEYS, {"id", "label", "fields"})
        section_id = self.id(where, raw["id"])
        where = f"section {section_id!r}"
        fields = []
        for n, item in enumerate(self.items(where, raw["fields"]), 1):
            if isinstance(item, dict) and item.get("type") == "section":
                raise self.fail(f"{where}, item {n}", "sections cannot be nested")
            fields.append(self.field(f"{where}, item {n}", item, section_id))
        return Section(
            id=section_id,
            label=self.label(f"{where} label", raw["label"]),
            help=self.label(f"{where} help", raw["help"]) if "help" in raw else None,
            switchable=self.flag(where, raw, "switchable"),
            fields=tuple(fields),
        )

    def block(self, name: Any) -> Section:
        """A block of the instrument library: a switchable section in a file of its own."""
        if not isinstance(name, str) or not _ID.fullmatch(name):
            raise self.fail("blocks", f"{name!r} is not a block name (lowercase letters, digits, _)")
        path = self.blocks_dir / f"{name}.yaml"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self.fail("blocks", f"no block {name!r}: {path} does not exist") from None
        where = f"block {name!r} ({path.name})"
        raw = self.mapping(
            where, _yaml(text, path.name), _BLOCK_KEYS, {"id", "label", "fields", "instrument"}
        )
        if raw["id"] != name:
            raise self.fail(where, f"id is {raw['id']!r}, expected {name!r} (the file name)")
        lists = raw.get("choice_lists") or {}
        if not isinstance(lists, dict):
            raise self.fail(f"{where} choice_lists", "expected a mapping of list names to choices")
        self.lists = lists
        section = self.section(
            where, {**{k: raw[k] for k in ("id", "label", "help", "fields") if k in raw}, "switchable": True}
        )
        instrument = self.instrument(where, raw["instrument"], section)
        sensitive = raw.get("sensitive")
        if sensitive is not None and sensitive not in SENSITIVE:
            raise self.fail(
                f"{where} sensitive", f"expected one of {', '.join(SENSITIVE)}, not {sensitive!r}"
            )
        return Section(
            **{
                **section.__dict__,
                "instrument": instrument,
                "minutes": self.number(where, raw, "minutes", low=1) or 0,
                "sensitive": sensitive,
            }
        )

    def instrument(self, where: str, raw: Any, section: Section) -> Instrument:
        where = f"{where} instrument"
        raw = self.mapping(where, raw, _INSTRUMENT_KEYS, {"name", "about", "source", "licence", "scoring"})
        for key in ("source", "licence", "scoring"):
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise self.fail(where, f"{key} must be text")
        own = {f.id for f in section.fields}
        items = raw.get("score_items") or []
        if items == "all":
            items = [f.id for f in section.fields]
        restricted = raw.get("whole_survey_only") or []
        for key, names in (("score_items", items), ("whole_survey_only", restricted)):
            if not isinstance(names, list) or not set(names) <= own:
                raise self.fail(where, f"{key} must list fields of this block ({', '.join(sorted(own))})")
        bands = []
        for n, band in enumerate(raw.get("bands") or [], 1):
            band = self.mapping(
                f"{where} band {n}", band, {"id", "min", "max", "label"}, {"id", "min", "max", "label"}
            )
            low, high = self.number(where, band, "min"), self.number(where, band, "max")
            if low is None or high is None or low > high:
                raise self.fail(f"{where} band {n}", "min and max must be whole numbers, min <= max")
            bands.append(
                Band(str(band["id"]), low, high, self.label(f"{where} band {n} label", band["label"]))
            )
        safety = raw.get("safety") or {}
        safety = self.mapping(f"{where} safety", safety, {"band", "items"}, set())
        band_ids = {b.id for b in bands}
        if safety.get("band") is not None and safety["band"] not in band_ids:
            raise self.fail(
                f"{where} safety", f"no band {safety['band']!r} (bands: {', '.join(sorted(band_ids))})"
            )
        safety_items = []
        for field_id, at_least in (safety.get("items") or {}).items():
            if field_id not in own or isinstance(at_least, bool) or not isinstance(at_least, int):
                raise self.fail(
                    f"{where} safety", f"{field_id!r}: give a field of this block and a whole number"
                )
            safety_items.append(SafetyItem(field_id, at_least))
        prorate = self.number(where, raw, "prorate_missing", low=0) or 0
        if prorate and (not items or prorate >= len(items)):
            raise self.fail(where, "prorate_missing must be fewer than the scored items")
        # Each item's lowest and highest score: what a skipped item could have been.
        choices = [c.id for f in section.fields if f.id in items for c in f.choices]
        scores = [c for c in choices if isinstance(c, int)]
        if items and (not scores or len(scores) != len(choices)):
            raise self.fail(where, "score_items must be fields with whole-number choices")
        return Instrument(
            source=" ".join(raw["source"].split()),
            licence=" ".join(raw["licence"].split()),
            scoring=" ".join(raw["scoring"].split()),
            name=self.label(f"{where} name", raw["name"]),
            about=self.label(f"{where} about", raw["about"]),
            items=tuple(items),
            bands=tuple(bands),
            safety_band=safety.get("band"),
            safety_items=tuple(safety_items),
            whole_survey_only=tuple(restricted),
            prorate_missing=prorate,
            item_range=(min(scores), max(scores)) if scores else (0, 0),
        )

    def field(self, where: str, raw: Any, section: str | None) -> Field:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a mapping of keys to values")
        if isinstance(raw.get("id"), str):
            where = f"field {raw['id']!r}"
        type_name = raw.get("type")
        kind = FIELD_TYPES.get(type_name) if isinstance(type_name, str) else None
        if kind is None:
            known = ", ".join(sorted([*FIELD_TYPES, "section"]))
            raise self.fail(where, f"unknown type {raw.get('type')!r} (known: {known})")
        raw = self.mapping(where, raw, _COMMON_KEYS | kind.options, {"id", "type", "label"})
        f = Field(
            id=self.id(where, raw["id"]),
            kind=kind,
            label=self.label(f"{where} label", raw["label"]),
            help=self.label(f"{where} help", raw["help"]) if "help" in raw else None,
            report_label=self.label(f"{where} report_label", raw["report_label"])
            if "report_label" in raw
            else None,
            required=self.flag(where, raw, "required"),
            choices=self.choices(where, raw["choices"], kind.choice_ids)
            if kind.choice_ids and "choices" in raw
            else kind.builtin_choices,
            rows=self.choices(f"{where} rows", raw["rows"], str) if "rows" in raw else (),
            row_question=self.label(f"{where} row_question", raw["row_question"])
            if "row_question" in raw
            else None,
            none_choice=self.label(f"{where} none_choice", raw["none_choice"])
            if "none_choice" in raw
            else None,
            min=self.number(where, raw, "min"),
            max=self.number(where, raw, "max"),
            min_selected=self.number(where, raw, "min_selected", low=1),
            max_length=self.number(where, raw, "max_length", low=1) or DEFAULT_MAX_LENGTH,
            multiline=self.flag(where, raw, "multiline"),
            section=section,
        )
        self.check(where, f)
        return f

    def check(self, where: str, f: Field) -> None:
        """Rules that tie several keys together."""
        if f.kind.choice_ids and not f.choices:
            raise self.fail(where, f"a {f.type} field needs choices")
        if f.min is not None and f.max is not None and f.min > f.max:
            raise self.fail(where, f"min ({f.min}) is greater than max ({f.max})")
        if f.min_selected is not None and f.min_selected > len(f.choices):
            raise self.fail(
                where, f"min_selected ({f.min_selected}) is more than the {len(f.choices)} choices"
            )
        if f.type == "matrix":
            if not f.rows:
                raise self.fail(where, "a matrix needs rows")
            if f.none_choice is not None and NONE_CHOICE in f.choice_ids():
                raise self.fail(where, f"choice id {NONE_CHOICE!r} is taken by none_choice")
            if f.required:
                raise self.fail(where, "a matrix is always answered (unchecked means no): drop required")
            if clash := sorted({r.id for r in f.rows} & {c.id for c in f.choices}):
                raise self.fail(where, f"ids used both as row and as choice: {', '.join(map(str, clash))}")
            if f.row_question and not all("{row}" in f.row_question.get(lang) for lang in LANGS):
                raise self.fail(where, "row_question must contain {row} in every language")
