"""Strings the console shows that are not written in its pages: the services' field messages,
survey states, roles and mailing outcomes. Marked with ``N_`` so ``pybabel extract`` puts them in
the catalogue; the pages translate them with ``gettext`` when they show them."""

from __future__ import annotations

from shared.i18n import N_

SERVICE_MESSAGES = (
    N_("Use 1 to 40 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit."),
    N_("Enter an email address such as name@example.org."),
    N_("Enter a date as YYYY-MM-DD."),
    N_("Must not be before opens."),
    N_("Must not be in the past."),
    N_("Use 1 to 40 lowercase letters, digits, '-' or '_'."),
    N_("Enter a whole number from 1 to 10000."),
    N_("Choose coordinator or viewer."),
    N_("Choose a kind from the list."),
    N_("Add an email address first."),
    N_("must be a date as YYYY-MM-DD"),
    N_("must be on or before 'to'"),
    N_("is not a survey id"),
)
STATES = (N_("scheduled"), N_("open"), N_("closed"), N_("purged"))
ROLES = (N_("coordinator"), N_("viewer"))
SKIPPED = (N_("already_invited"), N_("not_invited"), N_("reminded_today"), N_("answered"))
LANGUAGE_MESSAGES = (N_("Choose English, French or the program's default."),)
