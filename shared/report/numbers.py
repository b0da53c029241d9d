"""Checking counts handed to the statistics and the suppression."""

from __future__ import annotations

import operator


def whole_number(value: object, name: str) -> int:
    """``value`` as an int if it is a whole number, 0 or more (ints and numpy integers; no bools)."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        try:
            number = operator.index(value)  # type: ignore[arg-type]  # any object: TypeError if not integer-like
        except TypeError:
            pass
        else:
            if number >= 0:
                return number
    raise ValueError(f"{name} must be a whole number, 0 or more; got {value!r}")
