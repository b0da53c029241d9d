"""A day given as text by a caller (a query argument, a CLI option): one rule everywhere."""

from __future__ import annotations

import re
from datetime import date

from shared.errors import Invalid
from shared.i18n import N_

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: object, name: str) -> date | None:
    """``value`` as a date written YYYY-MM-DD (spaces around allowed), None when empty;
    :class:`Invalid` naming ``name`` otherwise. Only that form: ``date.fromisoformat`` alone would
    also take "20240131" and week dates."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            N_("%(name)s must be a date as YYYY-MM-DD."),
            params={"name": name},
            errors={name: [N_("Enter a date as YYYY-MM-DD.")]},
        ) from None
