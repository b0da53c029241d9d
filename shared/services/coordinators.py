"""Coordinators and viewers: who may sign in to the console, with which role, and who gets
the emailed report and urgent alerts.

Two sources: the store (managed with ``sidebyside coordinators`` or the console's Coordinators
page) and ``SIDEBYSIDE_COORDINATORS`` (addresses there are coordinators too, and cannot be
removed from the console: change the setting instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from shared.addresses import BadAddress, mail_address
from shared.config import Settings
from shared.errors import Conflict, Invalid, NotFoundError
from shared.i18n import N_
from shared.records import Coordinator
from shared.services.as_read import change_as_read
from shared.store.port import AlreadyExists, LastCoordinator, NotFound, Store, Unavailable

COORDINATOR = "coordinator"
VIEWER = "viewer"
ROLES = (COORDINATOR, VIEWER)
LANGUAGES = ("en", "fr")  # a report language preference; None (or "default"): SIDEBYSIDE_REPORT_LANGUAGE
DEFAULT_LANGUAGE = "default"


def clean_email(email: object) -> str:
    """The address lowercased (the key), checked by the program's one address rule, or :class:`Invalid`."""
    try:
        return mail_address(email.strip().lower() if isinstance(email, str) else email)
    except BadAddress as exc:
        raise Invalid(
            N_("%(email)r is not an email address (%(reason)s)."),
            params={"email": str(email)[:60], "reason": str(exc).rstrip(".")},
            errors={"email": [N_("Enter an email address such as name@example.org.")]},
        ) from None


def clean_role(role: object) -> str:
    if role not in ROLES:
        raise Invalid(
            N_("The role must be one of %(roles)s."),
            params={"roles": ", ".join(ROLES)},
            errors={"role": [N_("Choose coordinator or viewer.")]},
        )
    return str(role)


def clean_language(language: object) -> str | None:
    """A report language preference: ``en``, ``fr``, or None for the program's default
    (given as None, ``""`` or ``"default"``); anything else is :class:`Invalid`."""
    if language is None or language in ("", DEFAULT_LANGUAGE):
        return None
    if language not in LANGUAGES:
        raise Invalid(
            N_("The report language must be one of %(languages)s or %(default)s."),
            params={"languages": ", ".join(LANGUAGES), "default": DEFAULT_LANGUAGE},
            errors={"language": [N_("Choose English, French or the program's default.")]},
        )
    return str(language)


def from_settings(settings: Settings) -> dict[str, Coordinator]:
    return {e.lower(): Coordinator(e.lower(), COORDINATOR) for e in settings.coordinators}


def find(store: Store, settings: Settings, email: str) -> Coordinator | None:
    """The coordinator signing in as ``email`` (the store first, then the setting), or None."""
    key = email.strip().lower()
    return store.get_coordinator(key) or from_settings(settings).get(key)


def list_all(store: Store, settings: Settings) -> list[tuple[Coordinator, bool]]:
    """Everyone who may sign in, by email, each with whether it comes from the setting."""
    stored = {c.email: (c, False) for c in store.list_coordinators()}
    for email, coordinator in from_settings(settings).items():
        stored.setdefault(email, (coordinator, True))
    return [stored[key] for key in sorted(stored)]


def add(
    store: Store, email: object, role: object = COORDINATOR, *, today: date, language: object = None
) -> Coordinator:
    coordinator = Coordinator(
        clean_email(email), clean_role(role), added_on=today, language=clean_language(language)
    )
    try:
        store.add_coordinator(coordinator)
    except AlreadyExists:
        raise Conflict(
            N_("%(email)s is already on the list."),
            params={"email": coordinator.email},
            code="coordinator_exists",
        ) from None
    return coordinator


def set_role(store: Store, email: object, role: object, settings: Settings | None = None) -> Coordinator:
    """Make someone a coordinator or a viewer; the last coordinator cannot become a viewer.

    Without ``settings`` only the stored list counts (``SIDEBYSIDE_COORDINATORS`` is not seen),
    which can refuse more, never less. The check and the change are one atomic store write, so
    two coordinators demoting each other at the same moment cannot both succeed."""
    role = clean_role(role)
    key = clean_email(email)
    guard = role != COORDINATOR and _keep_a_coordinator(store, settings, key, becoming_viewer=True)
    try:
        return _change(store, key, lambda c: replace(c, role=role), keep_a_coordinator=guard)
    except LastCoordinator:
        raise _last_coordinator(key, becoming_viewer=True) from None


def _keep_a_coordinator(store: Store, settings: Settings | None, key: str, *, becoming_viewer: bool) -> bool:
    """Refuse a change to ``key`` that would leave nobody able to manage the program (add
    coordinators, surveys, supporters): at least one coordinator, stored or in the setting,
    stays. This read says so clearly in the common case; it returns whether the write must
    also ask the store to guard it (``keep_a_coordinator``), which is what holds when two
    coordinators change each other at the same moment. That is always, unless
    ``SIDEBYSIDE_COORDINATORS`` names someone else, whom no change through the store removes:
    the store guards only a change to a record it holds as a coordinator at that moment, so
    ``key`` read here as a viewer, and made the last coordinator meanwhile, is guarded too."""
    from_setting = set(from_settings(settings)) if settings is not None else set()
    current = store.get_coordinator(key)
    if current is not None and current.role == COORDINATOR:
        others = {c.email for c in store.list_coordinators() if c.role == COORDINATOR} | from_setting
        if not others - {key}:
            raise _last_coordinator(key, becoming_viewer=becoming_viewer)
    return not from_setting - {key}


def _last_coordinator(key: str, *, becoming_viewer: bool) -> Conflict:
    return Conflict(
        N_(
            "%(email)s is the only coordinator and cannot become a viewer: nobody could then manage the program. Add another coordinator first (sidebyside coordinators add EMAIL)."
        )
        if becoming_viewer
        else N_(
            "%(email)s is the only coordinator and cannot be removed: nobody could then manage the program. Add another coordinator first (sidebyside coordinators add EMAIL)."
        ),
        params={"email": key},
        code="last_coordinator",
    )


def set_reports(store: Store, email: object, reports: bool) -> Coordinator:
    """Opt in to (or out of) the emailed report and urgent alerts."""
    return _change(store, email, lambda c: replace(c, reports=reports))


def set_language(
    store: Store, email: object, language: object, settings: Settings | None = None
) -> Coordinator:
    """The language of the reports mailed to ``email`` (None: ``SIDEBYSIDE_REPORT_LANGUAGE``).
    Only stored coordinators have one: an address known only from ``SIDEBYSIDE_COORDINATORS``
    (given ``settings``) is a :class:`Conflict` that says so; storing it would outlive its
    removal from the setting."""
    key = clean_email(email)
    chosen = clean_language(language)
    if settings is not None and store.get_coordinator(key) is None and key in from_settings(settings):
        raise Conflict(
            N_(
                "%(email)s comes from SIDEBYSIDE_COORDINATORS, whose addresses get SIDEBYSIDE_REPORT_LANGUAGE."
            ),
            params={"email": key},
            code="coordinator_from_settings",
        )
    return _change(store, key, lambda c: replace(c, language=chosen))


def _change(
    store: Store,
    email: object,
    change: Callable[[Coordinator], Coordinator],
    *,
    keep_a_coordinator: bool = False,
) -> Coordinator:
    """Read the coordinator, apply ``change`` and write the result only over the record as read
    (:meth:`Store.update_coordinator`); when it changed meanwhile (a role changed on the
    console), read it again and start over, so a change of one field never writes back a stale
    copy of the others. Returns the record as written."""
    key = clean_email(email)

    def read() -> Coordinator:
        current = store.get_coordinator(key)
        if current is None:
            raise _not_listed(key)
        return current

    def write(before: Coordinator, after: Coordinator) -> bool:
        try:
            return store.update_coordinator(before, after, keep_a_coordinator=keep_a_coordinator)
        except NotFound:  # removed meanwhile
            raise _not_listed(key) from None

    def busy() -> Unavailable:
        return Unavailable(f"coordinator {key} kept changing while this change was made; try again")

    return change_as_read(read, change, write, busy)


def remove(store: Store, settings: Settings, email: object) -> None:
    """Take someone off the list; their console sessions end at once."""
    key = clean_email(email)
    guard = _keep_a_coordinator(store, settings, key, becoming_viewer=False)
    try:
        removed = store.remove_coordinator(key, keep_a_coordinator=guard)
    except LastCoordinator:
        raise _last_coordinator(key, becoming_viewer=False) from None
    if not removed:
        if key in from_settings(settings):
            raise Conflict(
                N_("%(email)s comes from SIDEBYSIDE_COORDINATORS: remove it there."),
                params={"email": key},
                code="coordinator_from_settings",
            )
        raise _not_listed(key)


def _not_listed(key: str) -> NotFoundError:
    return NotFoundError(N_("%(email)s is not on the list."), params={"email": key}, code="no_coordinator")


def recipients(store: Store, settings: Settings) -> tuple[str, ...]:
    """Who gets the report and urgent alerts: the setting's addresses and every stored
    coordinator (not viewer) who has not opted out."""
    found = dict.fromkeys(e.lower() for e in settings.coordinators)
    for coordinator in store.list_coordinators():
        if coordinator.role == COORDINATOR and coordinator.reports:
            found.setdefault(coordinator.email)
    return tuple(found)
