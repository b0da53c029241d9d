"""The ids every store accepts: the limits Firestore documents for a document id.

Ids reach the stores from URLs, forms, the CLI and imported files, and SQLite takes any text,
so these limits are checked in the services, where the id comes in, not left to Firestore to
refuse with an error no caller expects. Firestore's "Quotas and limits" page
(https://cloud.google.com/firestore/quotas#collections_documents_and_fields) says a document ID:

- must be valid UTF-8 characters, no longer than 1,500 bytes;
- cannot contain a forward slash (/);
- cannot solely consist of a single period (.) or double periods (..);
- cannot match the regular expression __.*__ (Firestore reserves such ids).
"""

from __future__ import annotations

import re

MAX_BYTES = 1500
RESERVED = re.compile(r"__.*__", re.DOTALL)


def is_document_id(value: object) -> bool:
    """True when ``value`` is a string Firestore accepts as a document id."""
    if not isinstance(value, str) or not value:
        return False
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate, from a URL or a file decoded with surrogateescape
        return False
    return (
        size <= MAX_BYTES and "/" not in value and value not in (".", "..") and not RESERVED.fullmatch(value)
    )
