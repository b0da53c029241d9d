"""Every user-facing message of the forms: a stable code and its English template.

Validation speaks in codes; :func:`message` turns a code into a sentence in the reader's
language, naming the question it is about (pyxform ``errors.py`` does the same). The templates
are msgids of the one catalogue (:mod:`shared.i18n`), where their French lives.
"""

from __future__ import annotations

from shared.i18n import LANGS, N_, translate

__all__ = ["CATALOGUE", "LANGS", "message"]

CATALOGUE: dict[str, str] = {
    "required": N_("“%(label)s”: please answer this question."),
    "not_an_object": N_("The answers must be an object that maps question ids to answers."),
    "none_and_other": N_("“%(label)s”: choose “None of these” or the ones that apply, not both."),
    "confirm_blank": N_("You have not answered any question. Your link can be used only once: send anyway?"),
    "unknown_field": N_("“%(label)s” is not a question on this form."),
    "invalid_date": N_("“%(label)s”: enter a date as YYYY-MM-DD."),
    "date_in_future": N_("“%(label)s”: the date cannot be in the future."),
    "date_too_early": N_("“%(label)s”: the date cannot be before %(min_date)s."),
    "not_integer": N_("“%(label)s”: enter a whole number."),
    "too_small": N_("“%(label)s”: enter a number of at least %(min)s."),
    "too_large": N_("“%(label)s”: enter a number no greater than %(max)s."),
    "invalid_choice": N_("“%(label)s”: choose from the options given."),
    "not_a_list": N_("“%(label)s”: the answer must be a list of options."),
    "too_few": N_("“%(label)s”: choose at least %(min_selected)s options."),
    "invalid_boolean": N_("“%(label)s”: answer yes or no."),
    "not_text": N_("“%(label)s”: the answer must be text."),
    "bad_characters": N_("“%(label)s”: the text contains control characters that are not allowed."),
    "too_long": N_("“%(label)s”: use at most %(max_length)s characters."),
    "not_0_or_1": N_("“%(label)s”: the cell must be 1 or 0."),
    "invalid": N_("“%(label)s”: this answer is not valid."),
    "required_mark": N_("(required)"),
    "error_summary": N_("Some answers need a look. Nothing was saved yet."),
    "yes": N_("Yes"),
    "no": N_("No"),
}


def message(code: str, lang: str, **params: object) -> str:
    """The sentence for ``code`` in ``lang``; an unknown code falls back to the generic ``invalid``."""
    return translate(lang, CATALOGUE.get(code, CATALOGUE["invalid"]), **params)
