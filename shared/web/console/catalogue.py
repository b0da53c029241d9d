"""Strings the console shows that are not written in its pages: the services' field messages not
marked where they are made (most are), survey states, roles and mailing outcomes. Marked with
``N_`` so ``pybabel extract`` puts them in the catalogue; the pages translate them with
``gettext`` when they show them."""

from __future__ import annotations

from shared.i18n import N_

SERVICE_MESSAGES = (
    N_("Enter a whole number from 1 to 10000."),
    N_("must be a date as YYYY-MM-DD"),
    N_("must be on or before 'to'"),
    N_("is not a survey id"),
)
STATES = (N_("scheduled"), N_("open"), N_("closed"), N_("purged"))
ROLES = (N_("coordinator"), N_("viewer"))
SKIPPED = (N_("already_invited"), N_("not_invited"), N_("reminded_today"), N_("answered"), N_("unsubscribed"))
