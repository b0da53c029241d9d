"""The shape of ``shared/``: no import cycles, and no module importing from a layer above it.

Every import counts, function-local and ``TYPE_CHECKING`` ones included, so a cycle cannot
hide inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1] / "shared"

# Layers from the bottom up; a module may import its own layer and those below it.
LAYERS = [
    {
        "shared.errors",
        "shared.config",
        "shared.records",
        "shared.forms",
        "shared.addresses",
        "shared.text",
        "shared.i18n",
        "shared.translations",
        "shared.days",  # the catalogue's files and its make-time helper
    },
    {"shared.ids", "shared.spreadsheet", "shared.tally"},
    {"shared.store", "shared.mail"},
    {"shared.report", "shared.bootstrap"},
    {"shared.services"},
    {"shared.jobs", "shared.error_table"},
    {"shared.web"},
    {"shared.cli"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SHARED.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in SHARED.rglob("*.py")}


def imports(name: str) -> set[str]:
    found: set[str] = set()
    package = name if MODULES[name].name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + [base]
                ).strip(".")
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in MODULES:
                    found.add(target)
                elif base in MODULES:
                    found.add(base)
    found.discard(name)
    return found


def layer(name: str) -> int:
    for number, members in enumerate(LAYERS):
        if any(name == top or name.startswith(top + ".") for top in members):
            return number
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def test_no_import_cycles_in_shared():
    graph = {name: imports(name) for name in MODULES if name != "shared"}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, set())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    # A package's __init__ re-exporting its own modules is not a cycle between ideas.
    real = [
        c for c in cycles if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(c, c[1:]))
    ]
    assert real == []


def test_no_module_imports_from_a_layer_above_it():
    upward = sorted(
        f"{name} -> {target}"
        for name in MODULES
        if name != "shared"
        for target in imports(name)
        if target != "shared" and layer(target) > layer(name)
    )
    assert upward == []
