"""HTML for a form's fields, through the Jinja2 macros in ``forms/templates/_fields.html``.

Python prepares one small view per field (texts in the reader's language, attributes, what
is checked); the macros only lay them out. Escaping is Jinja's autoescape, so answers that
hold markup are shown as text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jinja2
from markupsafe import Markup

from shared.forms.load import FORMS_DIR
from shared.forms.messages import message
from shared.forms.model import NONE_CHOICE, Field, Form, Section

TEMPLATES_DIR = FORMS_DIR / "templates"


@functools.cache
def template_env() -> jinja2.Environment:
    """The one Jinja environment for every page template in ``forms/templates``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["render_fields"] = render_fields
    return env


@dataclass
class View:
    """What a macro needs for one question (or one matrix row)."""

    key: str  # the HTML id, and the stem of the hint and error ids
    name: str  # the form name posted
    label: str
    help: str = ""
    required: str = ""  # the visible "(required)" mark, or ""
    errors: list[str] = field(default_factory=list)
    value: Any = ""  # str for inputs, set of ids for checkboxes
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    rows: list[View] = field(default_factory=list)
    multiline: bool = False
    group: dict[str, Any] = field(default_factory=dict)  # attributes of the fieldset or the input
    option: dict[str, Any] = field(default_factory=dict)  # attributes of each radio or checkbox


def _notes(view: View) -> dict[str, Any]:
    """aria attributes tying a control (or fieldset) to its hint and its error."""
    ids = [f"{view.key}-h"] * bool(view.help) + [f"{view.key}-e"] * bool(view.errors)
    return {"aria-describedby": " ".join(ids) or None}


def _view(f: Field, value: Any, errors: Mapping[str, list[str]], lang: str, limits: dict[str, Any]) -> View:
    v = View(
        key=f"q-{f.id}",
        name=f.id,
        label=f.label.get(lang),
        help=f.help.get(lang) if f.help else "",
        required=message("required_mark", lang) if f.required else "",
        errors=list(errors.get(f.id, [])),
        value=f.kind.shape.shown(f, value),
        options=[(str(c.id), c.label.get(lang)) for c in f.choices],
        multiline=f.multiline,
    )
    invalid = "true" if v.errors else None
    if f.kind.macro in ("date", "number", "text"):  # one control: the notes go on it
        v.group = {
            "required": "" if f.required else None,
            **_notes(v),
            "aria-invalid": invalid,
            "maxlength": f.max_length if f.kind.macro == "text" else None,
            **(limits if f.kind.macro == "date" else {}),
        }
    else:  # a group: the notes go on the fieldset, each option carries required and invalid
        v.group = _notes(v)
        v.option = {
            "required": "" if f.required and f.kind.macro == "radios" else None,
            "aria-invalid": invalid,
        }
    question = f.row_question.get(lang) if f.row_question else "{row}"
    row_options = v.options + ([(NONE_CHOICE, f.none_choice.get(lang))] if f.none_choice else [])
    for r in f.rows:
        row = View(
            key=f"q-{f.id}.{r.id}",
            name=f"{f.id}.{r.id}",
            label=question.replace("{row}", r.label.get(lang)),
            errors=list(errors.get(f"{f.id}.{r.id}", [])),
            value=v.value.get(str(r.id), set()),
            options=row_options,
        )
        row.group = _notes(row)
        row.option = {"aria-invalid": "true" if row.errors else None}
        v.rows.append(row)
    return v


def render_fields(
    form: Form,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
    lang: str = "en",
    sections: Iterable[str] = (),
    today: date | None = None,
    min_date: date | None = None,
) -> Markup:
    """The form's questions as HTML, with ``values`` filled in and ``errors`` beside their fields.

    ``values`` may be stored answers or what :meth:`Form.parse_html` returned. ``today`` and
    ``min_date`` bound the date picker. Errors that belong to no shown field are listed in the
    :func:`error_summary` the page puts at its top.
    """
    values = values or {}
    errors = errors or {}
    on = form.check_sections(sections)
    # A template module: its attributes are the macros the template defines, unknown to the checker.
    macros: Any = template_env().get_template("_fields.html").module
    limits = {"min": min_date.isoformat() if min_date else None, "max": today.isoformat() if today else None}
    shown: set[str] = set()

    def one(f: Field) -> Markup:
        shown.add(f.id)
        shown.update(f"{f.id}.{r.id}" for r in f.rows)
        return getattr(macros, f.kind.macro)(_view(f, values.get(f.id), errors, lang, limits))

    parts: list[Markup] = []
    for child in form.children:
        if isinstance(child, Section):
            if child.switchable and child.id not in on:
                continue
            inner = Markup("").join(one(f) for f in child.fields)
            parts.append(
                macros.section(
                    f"s-{child.id}", child.label.get(lang), child.help.get(lang) if child.help else "", inner
                )
            )
        else:
            parts.append(one(child))
    return Markup("").join(parts)


def error_summary(
    form: Form,
    errors: Mapping[str, list[str]] | None,
    *,
    lang: str = "en",
    sections: Iterable[str] = (),
) -> Markup:
    """The error summary for the top of a page (the GOV.UK Design System's pattern): every
    message, in the order of the questions, each linking to its question (``#q-<id>``, the id
    of the control or of the question's fieldset); messages that belong to no question shown
    are listed unlinked. It takes focus when the page loads (``autofocus``), so a screen reader
    reads it and a phone shows it, whichever question far down the page is wrong. Empty
    without errors."""
    if not errors:
        return Markup("")
    order = [key for f in form.fields(sections) for key in (f.id, *(f"{f.id}.{r.id}" for r in f.rows))]
    items: list[tuple[str | None, str]] = [
        (f"#q-{key}", text) for key in order for text in errors.get(key, [])
    ]
    items += [(None, text) for key, found in errors.items() if key not in order for text in found]
    macros: Any = template_env().get_template("_fields.html").module  # its macros, unknown to the checker
    summary: Markup = macros.error_summary(message("error_summary", lang), items)
    return summary
