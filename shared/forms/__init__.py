"""Forms as data: ``forms/*.yaml`` loads into a :class:`Form`, and validation (marshmallow),
HTML (Jinja2 macros), CSV columns and report labels all come from it.

    form = load_form("interaction_log")
    answers = validate(form, form.parse_html(request.form, ignore={"t"}), ValidationContext(...))
"""

from shared.forms.load import FORMS_DIR, load_form, parse_form
from shared.forms.messages import CATALOGUE, LANGS, message
from shared.forms.model import (
    Choice,
    Field,
    Form,
    FormDefinitionError,
    FormInvalid,
    Label,
    Section,
    ValidationContext,
)
from shared.forms.render import error_summary, render_fields, template_env
from shared.forms.schema import FORM_ERRORS, validate
from shared.forms.types import FIELD_TYPES, FieldType

__all__ = [
    "CATALOGUE",
    "FIELD_TYPES",
    "FORMS_DIR",
    "FORM_ERRORS",
    "LANGS",
    "Choice",
    "Field",
    "FieldType",
    "Form",
    "FormDefinitionError",
    "FormInvalid",
    "Label",
    "Section",
    "ValidationContext",
    "error_summary",
    "load_form",
    "message",
    "parse_form",
    "render_fields",
    "template_env",
    "validate",
]
