"""Every route of every function, as Flask's own URL maps hold them, is the README's route
table ("Every route"), so a newcomer can name each route and the view behind it, and the table
cannot drift from the code. To regenerate it after adding or changing a route:
SIDEBYSIDE_WRITE_ROUTE_TABLE=1 .venv/bin/python -m pytest tests/test_routes.py"""

from __future__ import annotations

import os
from pathlib import Path

import functions.main as main
from shared.web.factory import create_app

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- routes: tests/test_routes.py -->", "<!-- /routes -->"


def route_rows(app: object) -> list[tuple[str, str, str, str]]:
    """(function, methods, path, view) for every route of every function's app."""
    rows = []
    for name in main.FUNCTIONS:
        flask_app = create_app(name, app)  # type: ignore[arg-type]
        for rule in flask_app.url_map.iter_rules():
            view = flask_app.view_functions[rule.endpoint]
            methods = ", ".join(sorted(rule.methods - {"HEAD", "OPTIONS"}))  # type: ignore[operator]
            where = f"{view.__module__.removeprefix('shared.web.')}.{view.__name__}"
            rows.append((name, methods, f"/{name}{rule.rule}", where))
    return sorted(rows, key=lambda r: (main.FUNCTIONS.index(r[0]), r[2], r[1]))


def render(rows: list[tuple[str, str, str, str]]) -> str:
    lines = [START, "", "| Function | Method | Path | View (in `shared/web/`) |", "|---|---|---|---|"]
    lines += [f"| `{f}` | {m} | `{p}` | `{v}` |" for f, m, p, v in rows]
    return "\n".join([*lines, "", END])


def readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index(START) : text.index(END) + len(END)]


def test_no_function_serves_a_static_folder(app):
    """Flask's default ``/static/<path>`` would serve files from the working folder on every
    function; each blueprint serves its own files by name instead."""
    for name in main.FUNCTIONS:
        flask_app = create_app(name, app)
        assert "static" not in flask_app.view_functions, name
        assert not any(r.rule.startswith("/static") for r in flask_app.url_map.iter_rules()), name


def test_every_function_has_an_entry_point_and_an_app(app):
    for name in main.FUNCTIONS:
        assert callable(getattr(main, name)), f"functions/main.py has no entry point {name}"
        assert create_app(name, app).url_map.iter_rules(), name


def test_the_readme_route_table_is_every_route(app):
    table = render(route_rows(app))
    if os.environ.get("SIDEBYSIDE_WRITE_ROUTE_TABLE"):
        path = ROOT / "README.md"
        path.write_text(path.read_text().replace(readme_block(), table))
    assert readme_block() == table
