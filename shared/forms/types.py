"""The field types, as a table: one row per type, read by the loader, the schema, the HTML
and the CSV mapping (pyxform's ``question_type_dictionary``). Adding a type is adding a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.forms import schema
from shared.forms.messages import LANGS, message
from shared.forms.model import Choice, Label
from shared.forms.shapes import Checklist, Grid, Scalar


@dataclass(frozen=True)
class FieldType:
    name: str
    answer: Callable[..., schema._Answer]  # the marshmallow field that validates an answer
    shape: Scalar | Checklist | Grid  # how the answer maps to HTML names and CSV columns
    macro: str  # the macro in forms/templates/_fields.html that renders the field
    options: frozenset[str] = frozenset()  # YAML keys this type takes besides the common ones
    choice_ids: type | None = None  # choices' id type (str or int), or None: takes no choices
    builtin_choices: tuple[Choice, ...] = ()  # the options when the YAML gives none
    text: Callable[[Any], str] = str  # a stored value as an HTML value and a CSV cell


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


_YES_NO = tuple(Choice(w, Label(**{lang: message(w, lang) for lang in LANGS})) for w in ("yes", "no"))

FIELD_TYPES: dict[str, FieldType] = {
    t.name: t
    for t in [
        FieldType("date", schema.DateAnswer, Scalar(), "date"),
        FieldType("integer", schema.IntegerAnswer, Scalar(), "number", frozenset({"min", "max"})),
        FieldType("choice", schema.ChoiceAnswer, Scalar(), "radios", frozenset({"choices"}), str),
        FieldType(
            "multi",
            schema.MultiAnswer,
            Checklist(),
            "checkboxes",
            frozenset({"choices", "min_selected"}),
            str,
        ),
        FieldType("boolean", schema.BooleanAnswer, Scalar(), "radios", builtin_choices=_YES_NO, text=_yes_no),
        FieldType("text", schema.TextAnswer, Scalar(), "text", frozenset({"max_length", "multiline"})),
        FieldType("likert", schema.LikertAnswer, Scalar(), "radios", frozenset({"choices"}), int),
        FieldType(
            "matrix",
            schema.MatrixAnswer,
            Grid(),
            "matrix",
            frozenset({"choices", "rows", "row_question", "none_choice"}),
            str,
        ),
    ]
}
