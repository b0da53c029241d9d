"""Demo data for a first look (``sidebyside demo``, run by ``make run``), kept apart from real data.

Demo data is created only in an empty store: one supporter and one survey, named below. Their
links are written once to ``DATA_DIR/demo_links.txt`` (owner-only) and shown again on later
runs, so nothing is ever re-issued or reactivated: a demo supporter revoked stays revoked, and a
store that holds a program's own data never gets demo data. Exports leave the demo supporter's
interactions out unless asked (``include_demo``); :func:`is_demo_survey` and
:func:`is_demo_supporter` let the report do the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shared.config import Settings, private_dir
from shared.records import DEMO_ALIAS, DEMO_SURVEY, Supporter
from shared.services import links, supporters, surveys
from shared.store.port import Store

__all__ = ["DEMO_ALIAS", "DEMO_SURVEY", "Demo", "ensure_demo", "is_demo_supporter", "is_demo_survey"]
LINKS_FILE = "demo_links.txt"


def is_demo_supporter(supporter: Supporter) -> bool:
    return supporter.alias == DEMO_ALIAS


def is_demo_survey(survey_id: str) -> bool:
    return survey_id == DEMO_SURVEY


@dataclass(frozen=True)
class Demo:
    """What ``demo`` did: ``created`` (links are new), ``existing`` (the saved links, re-shown) or
    ``skipped`` (the store holds real data); the links as ``(label, url)`` pairs."""

    state: str
    links: tuple[tuple[str, str], ...] = ()


def _saved(path: Path) -> tuple[tuple[str, str], ...]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ()
    pairs = (line.split("\t", 1) for line in lines if "\t" in line)
    return tuple((name, value) for name, value in pairs)


def _save(path: Path, pairs: tuple[tuple[str, str], ...]) -> None:
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the links are secrets
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.writelines(f"{label}\t{url}\n" for label, url in pairs)


def ensure_demo(store: Store, settings: Settings) -> Demo:
    """Create the demo data if the store is empty; otherwise change nothing."""
    saved = settings.data_dir / LINKS_FILE
    people = store.list_supporters()
    held = store.list_surveys()
    if people or held:
        only_demo = all(is_demo_supporter(s) for s in people) and all(is_demo_survey(s.id) for s in held)
        return Demo("existing", _saved(saved)) if only_demo else Demo("skipped")
    today = surveys.today_in(settings)
    issued = supporters.add_supporter(store, settings, DEMO_ALIAS)
    surveys.create_survey(store, DEMO_SURVEY, k10=True, today=today)
    [survey_link] = links.issue_links(store, settings, DEMO_SURVEY, 1, today)
    pairs = (("Supporter log form", issued.link), ("Student survey link", survey_link))
    _save(saved, pairs)
    return Demo("created", pairs)
