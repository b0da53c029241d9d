"""Validation: a marshmallow schema generated from a :class:`Form`, and its errors in words.

Each field type's marshmallow field (below) raises a message *code*; :func:`validate` turns
codes into sentences from the catalogue, in the context's language, naming the question.
The per-call limits (today, the earliest date) reach the date field through marshmallow's
context, so one schema per form and set of sections is built once and reused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow.experimental.context import Context

from shared.forms.messages import message
from shared.forms.model import NONE_CHOICE, Field, Form, FormInvalid, ValidationContext

FORM_ERRORS = "_form"  # the errors key for a problem with the whole submission
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d{1,9}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_YES_NO = {True: True, False: False, "yes": True, "no": False, "true": True, "false": False}


def _blank(value: Any) -> bool:
    return value is None or value == [] or value == () or (isinstance(value, str) and not value.strip())


class _Answer(ma.fields.Field):
    """The base of every answer field: knows its definition and speaks in catalogue codes."""

    default_error_messages = {"required": "required", "null": "required", "validator_failed": "invalid"}

    def __init__(self, definition: Field, **kwargs: Any):
        super().__init__(required=definition.required, **kwargs)
        self.definition = definition

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return self.clean(value)

    def clean(self, value: Any) -> Any:
        raise NotImplementedError


def _whole_number(value: Any, code: str) -> int:
    if isinstance(value, bool):
        raise ma.ValidationError(code)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise ma.ValidationError(code)


def _choices(definition: Field, value: Any) -> list[str]:
    """The chosen ids, each once, in definition order."""
    if not isinstance(value, (list, tuple)):
        raise ma.ValidationError("not_a_list")
    ids = definition.choice_ids()
    if not all(isinstance(v, str) and v in ids for v in value):
        raise ma.ValidationError("invalid_choice")
    return [i for i in ids if i in value]


class DateAnswer(_Answer):
    def clean(self, value: Any) -> str:
        if isinstance(value, date) and not hasattr(value, "hour"):
            day = value
        elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                raise ma.ValidationError("invalid_date") from None
        else:
            raise ma.ValidationError("invalid_date")
        limits: ValidationContext = Context.get(ValidationContext())
        if limits.today and day > limits.today:
            raise ma.ValidationError("date_in_future")
        if limits.min_date and day < limits.min_date:
            raise ma.ValidationError("date_too_early")
        return day.isoformat()


class IntegerAnswer(_Answer):
    def clean(self, value: Any) -> int:
        number = _whole_number(value, "not_integer")
        if self.definition.min is not None and number < self.definition.min:
            raise ma.ValidationError("too_small")
        if self.definition.max is not None and number > self.definition.max:
            raise ma.ValidationError("too_large")
        return number


class LikertAnswer(_Answer):
    def clean(self, value: Any) -> int:
        point = _whole_number(value, "invalid_choice")
        if point not in [c.id for c in self.definition.choices]:
            raise ma.ValidationError("invalid_choice")
        return point


class ChoiceAnswer(_Answer):
    def clean(self, value: Any) -> str:
        if not isinstance(value, str) or value.strip() not in self.definition.choice_ids():
            raise ma.ValidationError("invalid_choice")
        return value.strip()


class BooleanAnswer(_Answer):
    def clean(self, value: Any) -> bool:
        key = value.strip().lower() if isinstance(value, str) else value
        if not isinstance(key, (str, bool)) or key not in _YES_NO:
            raise ma.ValidationError("invalid_boolean")
        return _YES_NO[key]


class TextAnswer(_Answer):
    """Text is kept as typed (markup is escaped when shown, never here), trimmed; a single-line
    field folds line breaks into spaces."""

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("not_text")
        text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not self.definition.multiline:
            text = " ".join(text.split())
        if len(text) > (self.definition.max_length or 0):
            raise ma.ValidationError("too_long")
        if _CONTROL.search(text):
            raise ma.ValidationError("bad_characters")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, which JSON allows and no store can keep
            raise ma.ValidationError("bad_characters") from None
        return text


class MultiAnswer(_Answer):
    def clean(self, value: Any) -> list[str]:
        chosen = _choices(self.definition, value)
        if len(chosen) < (self.definition.min_selected or 0):
            raise ma.ValidationError("too_few")
        return chosen


class MatrixAnswer(_Answer):
    """Rows of checkboxes. Unchecked means "no", so the answer always lists every row.

    With a ``none_choice`` a row is answered by checking a barrier or "None of these" (stored
    as ``["none"]``, never with a barrier); a row left untouched is no answer and is left out.
    A row given as an empty list (a file's row of 0s, or answers stored before the choice
    existed) is kept as it is: "no barrier".
    """

    def __init__(self, definition: Field):
        if definition.none_choice is not None:
            super().__init__(definition, load_default=dict)
        else:
            super().__init__(definition, load_default=lambda: {r.id: [] for r in definition.rows})

    def clean(self, value: Any) -> dict[str, list[str]]:
        if not isinstance(value, Mapping):
            raise ma.ValidationError("invalid")
        rows = [str(r.id) for r in self.definition.rows]
        with_none = self.definition.none_choice is not None
        out: dict[str, list[str]] = {} if with_none else {r: [] for r in rows}
        errors: dict[str, object] = {}  # a row's messages as marshmallow gives them
        for key, chosen in value.items():
            if key not in rows:
                errors[str(key)] = ["unknown_field"]
                continue
            try:
                if _blank(chosen):
                    out[key] = []
                elif with_none and isinstance(chosen, (list, tuple)) and NONE_CHOICE in chosen:
                    if len(set(chosen)) > 1:
                        raise ma.ValidationError("none_and_other")
                    out[key] = [NONE_CHOICE]
                else:
                    out[key] = _choices(self.definition, chosen)
            except ma.ValidationError as err:
                errors[key] = err.messages
        if errors:
            raise ma.ValidationError(errors)
        return out


class _FormSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    error_messages = {"type": "not_an_object", "unknown": "unknown_field"}

    @ma.pre_load
    def drop_blanks(self, data: Any, **kwargs: Any) -> Any:
        """A blank answer is no answer: absent, so ``required`` and defaults apply."""
        if not isinstance(data, Mapping):
            return data  # marshmallow reports the wrong type
        return {k: v for k, v in data.items() if not (k in self.fields and _blank(v))}


def schema_for(form: Form, sections: frozenset[str]) -> ma.Schema:
    """The marshmallow schema for the form with these sections on, built once."""
    if sections not in form._schemas:
        fields = {f.id: f.kind.answer(f) for f in form.fields(sections)}
        form._schemas[sections] = _FormSchema.from_dict(fields, name=f"{form.id}_schema")()
    return form._schemas[sections]


def validate(form: Form, data: Any, context: ValidationContext) -> dict[str, Any]:
    schema = schema_for(form, form.check_sections(context.sections))
    try:
        with Context(context):
            return schema.load(data)
    except ma.ValidationError as err:
        raise FormInvalid(_words(form, err.messages, context)) from None


def _words(form: Form, codes: Any, context: ValidationContext) -> dict[str, list[str]]:
    """marshmallow's nested codes, flattened to ``id`` / ``id.row`` keys and put into words."""
    by_id = {f.id: f for f in form.all_fields()}
    lang = context.lang
    out: dict[str, list[str]] = {}
    for key, found in codes.items():
        if key == "_schema":
            out[FORM_ERRORS] = [message(c, lang, label=str(key)) for c in found]
            continue
        definition = by_id.get(key)
        if definition is None or found == ["unknown_field"]:
            out[str(key)] = [message(c, lang, label=str(key)[:60]) for c in found]
        elif isinstance(found, dict):  # matrix rows
            rows = {str(r.id): r.label.get(lang) for r in definition.rows}
            for row, row_codes in found.items():
                label = rows.get(row, str(row)[:60])
                out[f"{key}.{row}"] = [message(c, lang, label=label) for c in row_codes]
        else:
            out[key] = [message(c, lang, **_params(definition, context)) for c in found]
    return out


def _params(definition: Field, context: ValidationContext) -> dict[str, Any]:
    return {
        "label": definition.label.get(context.lang),
        "min": definition.min,
        "max": definition.max,
        "min_selected": definition.min_selected,
        "max_length": definition.max_length,
        "min_date": context.min_date.isoformat() if context.min_date else "",
    }
