"""Fill the English catalogue's new entries with their msgids (``make translations`` runs it
after ``pybabel update``): the code's messages are English already, so only the French needs
writing by hand. An English msgstr someone edited is kept."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def fill(path: Path = PO) -> int:
    """Copy each empty English msgstr (and plural forms) from its msgid; how many were filled."""
    with path.open("rb") as f:
        catalogue = read_po(f)
    filled = 0
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not isinstance(message.string, tuple | list) or not all(message.string):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
    if filled:
        with path.open("wb") as f:
            write_po(f, catalogue, width=76, sort_output=True, omit_header=False)
    return filled


if __name__ == "__main__":
    print(f"English catalogue: {fill()} new message(s) filled from their msgids")
