"""Small helpers for sentences built around user-given names (aliases end in "." often: "Sam R.")."""

from __future__ import annotations


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop: "Added Sam R." never becomes "Added Sam R..";
    a text that ends with its own "?" or "!" keeps it."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."
