"""Every user-facing message of the forms, in one catalogue: a code and a template per language.

Validation speaks in codes; :func:`message` turns a code into a sentence in the reader's
language, naming the question it is about (pyxform ``errors.py`` does the same).
"""

from __future__ import annotations

LANGS = ("en", "fr")

CATALOGUE: dict[str, dict[str, str]] = {
    # Validation: {label} is the question (or the key that was sent, for unknown ones).
    "required": {
        "en": "“{label}”: please answer this question.",
        "fr": "« {label} » : veuillez répondre à cette question.",
    },
    "not_an_object": {
        "en": "The answers must be an object that maps question ids to answers.",
        "fr": "Les réponses doivent être un objet qui associe chaque identifiant de question à sa réponse.",
    },
    "none_and_other": {
        "en": "“{label}”: choose “None of these” or the ones that apply, not both.",
        "fr": "« {label} » : choisissez « Aucun de ceux-ci » ou ceux qui s'appliquent, pas les deux.",
    },
    "confirm_blank": {
        "en": "You have not answered any question. Your link can be used only once: send anyway?",
        "fr": "Vous n'avez répondu à aucune question. Votre lien ne sert qu'une fois : envoyer quand même?",
    },
    "unknown_field": {
        "en": "“{label}” is not a question on this form.",
        "fr": "« {label} » n'est pas une question de ce formulaire.",
    },
    "invalid_date": {
        "en": "“{label}”: enter a date as YYYY-MM-DD.",
        "fr": "« {label} » : entrez une date au format AAAA-MM-JJ.",
    },
    "date_in_future": {
        "en": "“{label}”: the date cannot be in the future.",
        "fr": "« {label} » : la date ne peut pas être dans le futur.",
    },
    "date_too_early": {
        "en": "“{label}”: the date cannot be before {min_date}.",
        "fr": "« {label} » : la date ne peut pas être antérieure au {min_date}.",
    },
    "not_integer": {
        "en": "“{label}”: enter a whole number.",
        "fr": "« {label} » : entrez un nombre entier.",
    },
    "too_small": {
        "en": "“{label}”: enter a number of at least {min}.",
        "fr": "« {label} » : entrez un nombre égal ou supérieur à {min}.",
    },
    "too_large": {
        "en": "“{label}”: enter a number no greater than {max}.",
        "fr": "« {label} » : entrez un nombre égal ou inférieur à {max}.",
    },
    "invalid_choice": {
        "en": "“{label}”: choose from the options given.",
        "fr": "« {label} » : choisissez parmi les options proposées.",
    },
    "not_a_list": {
        "en": "“{label}”: the answer must be a list of options.",
        "fr": "« {label} » : la réponse doit être une liste d'options.",
    },
    "too_few": {
        "en": "“{label}”: choose at least {min_selected} options.",
        "fr": "« {label} » : choisissez au moins {min_selected} options.",
    },
    "invalid_boolean": {
        "en": "“{label}”: answer yes or no.",
        "fr": "« {label} » : répondez oui ou non.",
    },
    "not_text": {
        "en": "“{label}”: the answer must be text.",
        "fr": "« {label} » : la réponse doit être du texte.",
    },
    "bad_characters": {
        "en": "“{label}”: the text contains control characters that are not allowed.",
        "fr": "« {label} » : le texte contient des caractères de contrôle non permis.",
    },
    "too_long": {
        "en": "“{label}”: use at most {max_length} characters.",
        "fr": "« {label} » : utilisez au plus {max_length} caractères.",
    },
    "not_0_or_1": {
        "en": "“{label}”: the cell must be 1 or 0.",
        "fr": "« {label} » : la cellule doit contenir 1 ou 0.",
    },
    "invalid": {
        "en": "“{label}”: this answer is not valid.",
        "fr": "« {label} » : cette réponse n'est pas valide.",
    },
    # Words on the rendered form.
    "required_mark": {"en": "(required)", "fr": "(obligatoire)"},
    "other_errors": {"en": "Please correct the following:", "fr": "Veuillez corriger ce qui suit :"},
    "yes": {"en": "Yes", "fr": "Oui"},
    "no": {"en": "No", "fr": "Non"},
}


def message(code: str, lang: str, **params: object) -> str:
    """The sentence for ``code`` in ``lang``; an unknown code falls back to the generic ``invalid``."""
    templates = CATALOGUE.get(code, CATALOGUE["invalid"])
    return templates[lang if lang in LANGS else "en"].format(**params)
