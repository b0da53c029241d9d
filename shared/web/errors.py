"""Typed HTTP errors, and the catalogue of what each says to people, in English and French."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "bad_request": {"en": "The request could not be understood.", "fr": "La requête est incompréhensible."},
    "not_found": {"en": "There is nothing at this address.", "fr": "Il n'y a rien à cette adresse."},
    "method_not_allowed": {
        "en": "This address does not accept that kind of request.",
        "fr": "Cette adresse n'accepte pas ce type de requête.",
    },
    "unsupported_media_type": {
        "en": "Send a form or JSON (application/json).",
        "fr": "Envoyez un formulaire ou du JSON (application/json).",
    },
    "too_large": {"en": "What was sent is too large.", "fr": "L'envoi est trop volumineux."},
    "unauthorized": {"en": "You are not allowed to do this.", "fr": "Vous n'avez pas l'autorisation."},
    "too_many_failures": {
        "en": "Too many wrong tokens from this address: wait before trying again (see Retry-After).",
        "fr": "Trop de jetons erronés depuis cette adresse : attendez avant de réessayer (voir Retry-After).",
    },
    "unavailable": {
        "en": "The service is busy or down for a moment. Please try again in a minute.",
        "fr": "Le service est momentanément indisponible. Réessayez dans une minute.",
    },
    "internal": {
        "en": "Something went wrong on our side. Nothing was saved; please try again.",
        "fr": "Un problème est survenu de notre côté. Rien n'a été enregistré\u202f; veuillez réessayer.",
    },
    "invalid": {"en": "Some answers need a look.", "fr": "Certaines réponses sont à revoir."},
}


class HttpError(Exception):
    """An error to show the caller: status, a stable code and a message (or per-field errors)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def text(self, lang: str) -> str:
        if self.message:
            return self.message
        entry = MESSAGES.get(self.code, MESSAGES["bad_request"])
        return entry.get(lang, entry["en"])
