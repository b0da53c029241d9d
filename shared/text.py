"""Small helpers for sentences built around user-given names (aliases end in "." often: "Sam R.")."""

from __future__ import annotations

import re


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop: "Added Sam R." never becomes "Added Sam R..";
    a text that ends with its own "?" or "!" keeps it."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def one_stop(text: str) -> str:
    """``text`` with each doubled full stop made one (never an ellipsis): a translated message
    whose placeholder ends its sentence ("Renamed %(old)s to %(new)s.") with an alias that
    ends in its own "." ("Samuel R.") would say "Samuel R.."."""
    return _DOUBLE_STOP.sub(".", text)


ECHO_MOST = 40  # characters of a caller's text that a message repeats back


def cut(value: object, most: int = ECHO_MOST) -> str:
    """A caller's text as a message repeats it, cut to ``most`` characters with "…", so a
    100,000-character name sent in a request never comes back 100,000 characters long."""
    text = value if isinstance(value, str) else str(value)
    return text[:most] + "…" if len(text) > most else text


def shown(value: object, most: int = ECHO_MOST) -> str:
    """:func:`cut`, quoted."""
    return repr(cut(value, most))
