"""Firestore composite indexes: the ones a query needs, and the ones infra/ declares.

A :class:`QueryShape` describes one query the Firestore store adapter issues. :func:`required_index`
applies Firestore's rule for when such a query needs a composite index and returns that index, with
the trailing ``__name__`` field Firestore adds to it. :func:`declared_indexes` reads the
``google_firestore_index`` resources from the Terraform files, so a test can hold one against the
other (:func:`missing_indexes`). Also here: reading the Terraform files, shared with test_infra.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

ASCENDING = "ASCENDING"
DESCENDING = "DESCENDING"
CONTAINS = "CONTAINS"  # an array-contains field, declared with array_config = "CONTAINS"
NAME = "__name__"

# Operators as google-cloud-firestore spells them (FieldFilter.op_string), plus the hyphenated forms.
EQUALITY_OPS = frozenset({"==", "in"})
CONTAINS_OPS = frozenset({"array_contains", "array_contains_any", "array-contains", "array-contains-any"})
RANGE_OPS = frozenset({"<", "<=", ">", ">=", "!=", "not-in", "not_in"})
DIRECTIONS = frozenset({ASCENDING, DESCENDING})


@dataclass(frozen=True)
class QueryShape:
    """What matters about a query for indexing: its collection, filters and explicit orderings."""

    collection: str
    filters: tuple[tuple[str, str], ...] = ()  # (field path, operator)
    orders: tuple[tuple[str, str], ...] = ()  # (field path, ASCENDING | DESCENDING)


@dataclass(frozen=True)
class IndexShape:
    """A collection-scoped composite index: its fields in order, each with ASCENDING, DESCENDING or CONTAINS."""

    collection: str
    fields: tuple[tuple[str, str], ...]


def _plan(query: QueryShape) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
    """Split a query into its index prefix (equality and array-contains fields), the fields it must be
    ordered by (ranges and order-bys, in index order) and the direction of the implicit ``__name__``."""
    equality: list[str] = []
    contains: list[str] = []
    ranges: list[str] = []
    for path, op in query.filters:
        if op in EQUALITY_OPS:
            bucket = equality
        elif op in CONTAINS_OPS:
            bucket = contains
        elif op in RANGE_OPS:
            bucket = ranges
        else:
            raise ValueError(f"unknown Firestore operator {op!r} on {path!r}")
        if path not in bucket:
            bucket.append(path)
    if len(ranges) > 1:
        # Firestore allows it since 2024, with its own index rules; the adapter has no such query.
        raise ValueError(f"range filters on more than one field ({', '.join(ranges)}) are not handled here")
    for path, direction in query.orders:
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r} for {path!r}: use ASCENDING or DESCENDING")

    # Firestore's normalized ordering: the explicit order-bys, then any range field not yet ordered,
    # then __name__, both in the direction of the last explicit order-by (ascending without one).
    orders = list(query.orders)
    last = orders[-1][1] if orders else ASCENDING
    ordered_paths = [path for path, _ in orders]
    orders += [(path, last) for path in ranges if path not in ordered_paths]
    if NAME not in ordered_paths:
        orders.append((NAME, last))
    name_direction = next(direction for path, direction in orders if path == NAME)

    # Ordering by a field pinned by an equality filter changes nothing, so the index ignores it.
    ordered = [(path, d) for path, d in orders if path != NAME and path not in equality]
    prefix = [(path, ASCENDING) for path in sorted(equality)]
    prefix += [(path, CONTAINS) for path in sorted(contains)]
    return prefix, ordered, name_direction


def required_index(query: QueryShape) -> IndexShape | None:
    """The composite index ``query`` needs, or None when Firestore's automatic indexes serve it.

    Equality and array-contains filters alone (optionally ordered by ``__name__``) are served by
    merging single-field indexes, and so is one field that is filtered by range and/or ordered. Any
    other mix needs an index with the equality fields first (in name order, ascending), then the
    range and order-by fields in ordering order, then ``__name__``.
    """
    prefix, ordered, name_direction = _plan(query)
    if not ordered:
        return None
    if not prefix and len(ordered) == 1 and ordered[0][1] == name_direction:
        return None
    return IndexShape(query.collection, tuple(prefix + ordered + [(NAME, name_direction)]))


def serves(index: IndexShape, query: QueryShape) -> bool:
    """Whether ``index`` serves ``query``: its equality prefix may list those fields in any order
    and direction; what follows must match exactly."""
    need = required_index(query)
    if need is None:
        return True
    if index.collection != need.collection or len(index.fields) != len(need.fields):
        return False
    size = len(_plan(query)[0])

    def kinds(fields: Iterable[tuple[str, str]]) -> set[tuple[str, bool]]:
        return {(path, mode == CONTAINS) for path, mode in fields}

    return (
        kinds(index.fields[:size]) == kinds(need.fields[:size]) and index.fields[size:] == need.fields[size:]
    )


def missing_indexes(queries: Iterable[QueryShape], declared: set[IndexShape]) -> list[IndexShape]:
    """The indexes ``queries`` need that no declared index serves, in query order, without repeats."""
    missing: list[IndexShape] = []
    for query in queries:
        need = required_index(query)
        if need and need not in missing and not any(serves(index, query) for index in declared):
            missing.append(need)
    return missing


# --- Reading the Terraform files -------------------------------------------------------------

# Keep string quotes, so that a literal ("x" -> '"x"') can be told from an expression ('${var.x}').
_OPTIONS = SerializationOptions(with_comments=False, strip_string_quotes=False)


def load_terraform(infra_dir: Path, pattern: str = "*.tf") -> dict[str, dict[str, Any]]:
    """Every file matching ``pattern`` in ``infra_dir``, parsed by python-hcl2, by file name.

    A file that does not parse raises ValueError naming it."""
    parsed = {}
    for path in sorted(Path(infra_dir).glob(pattern)):
        try:
            with path.open() as handle:
                parsed[path.name] = hcl2.load(handle, serialization_options=_OPTIONS)
        except Exception as error:  # python-hcl2 raises lark's exceptions, which share no base class
            raise ValueError(f"{path}: does not parse as HCL: {error}") from error
    return parsed


def blocks(documents: dict[str, dict[str, Any]], kind: str, type_: str) -> dict[str, dict[str, Any]]:
    """Every ``kind`` ("resource" or "data") block of ``type_``, by its unquoted name."""
    found = {}
    for document in documents.values():
        for entry in document.get(kind, []):
            for block_type, named in entry.items():
                if unquote(block_type) == type_:
                    found.update({unquote(name): body for name, body in named.items()})
    return found


def resources(documents: dict[str, dict[str, Any]], type_: str) -> dict[str, dict[str, Any]]:
    return blocks(documents, "resource", type_)


def unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def literal(value: Any) -> str:
    """The text of a plain string literal; ValueError for an expression or an interpolated string."""
    if not (isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"') or "${" in value:
        raise ValueError(f"expected a plain string literal, found {value!r}")
    return value[1:-1]


def declared_indexes(infra_dir: Path) -> set[IndexShape]:
    """The collection-scoped ``google_firestore_index`` resources in ``infra_dir``'s Terraform files.

    Their collection and fields must be plain literals (not for_each or dynamic blocks), so that
    what is checked here is exactly what gets deployed."""
    shapes = set()
    for name, body in resources(load_terraform(infra_dir), "google_firestore_index").items():
        scope = body.get("query_scope")
        if scope is not None and literal(scope) != "COLLECTION":
            continue
        fields = []
        for field in body.get("fields", []):
            if "array_config" in field:
                mode = literal(field["array_config"])
            else:
                mode = literal(field["order"])
            fields.append((literal(field["field_path"]), mode))
        if not fields:
            raise ValueError(f"google_firestore_index.{name} declares no fields")
        shapes.add(IndexShape(literal(body["collection"]), tuple(fields)))
    return shapes
