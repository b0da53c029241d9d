"""Typed HTTP errors, and what each code says to people: an English msgid per code, translated
through the one catalogue (:mod:`shared.i18n`); and a domain error's own message in the
reader's language (:func:`message_in`)."""

from __future__ import annotations

from typing import Any

from shared.i18n import N_, translate, translations

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
    "bad_json": N_("The body is not valid JSON."),
    "not_an_object": N_("The body must be a JSON object."),
}


def message_in(error: BaseException, lang: str) -> str:
    """What ``error`` says to people, in ``lang``: a domain error's msgid (see
    :class:`shared.errors.ServiceError`) through the one catalogue, filled from its params; any
    other exception's own text. A message the catalogue does not know stays as raised."""
    msgid = getattr(error, "msgid", None)
    if not isinstance(msgid, str):
        return getattr(error, "message", None) or str(error)
    if not msgid:  # no message (gettext("") would be the catalogue's header)
        return ""
    params = getattr(error, "params", None)
    if params is None:  # not formatted, so text from elsewhere may hold a "%"
        return translations(lang).gettext(msgid)
    return translate(lang, msgid, **params)


def field_messages_in(errors: dict[str, list[str]] | None, lang: str) -> dict[str, list[str]] | None:
    """A domain error's per-field messages in ``lang``: each one the catalogue knows (a static
    msgid) translated, any other kept as raised."""
    if errors is None:
        return None
    catalogue = translations(lang)
    return {field: [catalogue.gettext(m) if m else m for m in messages] for field, messages in errors.items()}


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
