"""Typed HTTP errors, and what each code says to people: an English msgid per code, translated
through the one catalogue (:mod:`shared.i18n`)."""

from __future__ import annotations

from typing import Any

from shared.i18n import N_, translate

MESSAGES: dict[str, str] = {
    "bad_request": N_("The request could not be understood."),
    "not_found": N_("There is nothing at this address."),
    "conflict": N_(
        "This was changed at the same time by another request. Nothing was saved; please try again."
    ),
    "method_not_allowed": N_("This address does not accept that kind of request."),
    "unsupported_media_type": N_("Send a form or JSON (application/json)."),
    "too_large": N_("What was sent is too large."),
    "unauthorized": N_("You are not allowed to do this."),
    "too_many_failures": N_(
        "Too many wrong tokens from this address: wait before trying again (see Retry-After)."
    ),
    "unavailable": N_("The service is busy or down for a moment. Please try again in a minute."),
    "internal": N_("Something went wrong on our side. Nothing was saved; please try again."),
    "invalid": N_("Some answers need a look."),
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
        return translate(lang, MESSAGES.get(self.code, MESSAGES["bad_request"]))
