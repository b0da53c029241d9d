"""Sealed answers: how a survey answer waits, unreadable, between its link's redemption and its release.

Redeeming a link writes the redemption (the link's hash) and the answer in one commit, and
a copy of the store taken later can replay commits one by one (SQLite's WAL, Firestore's
create times). So the answer written beside the redemption is *sealed*: AES-256-GCM
(``cryptography``'s AESGCM) under a key derived with HKDF from the program's secret key,
which the store never holds, and padded to a fixed size so its length says nothing of what
it holds. Answers are released into the answers table later, in batches of at least the
small-cell threshold, each batch in one write (``shared.services.release``).

The associated data binds a box to its survey and id, so a box moved to another row or
survey does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.errors import Unsealable
from shared.records import SealedAnswer

PAD = 8192  # bytes every sealed answer is padded to (a multiple of it when larger; see below)
NONCE = 12
_INFO = b"sidebyside/survey-answer-seal/v1"


@lru_cache(maxsize=4)
def _cipher(secret_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode("utf-8"))
    return AESGCM(key)


def _aad(survey_id: str, sealed_id: str) -> bytes:
    return f"{survey_id}\x1f{sealed_id}".encode()


def padded_size(length: int) -> int:
    """The plaintext size for ``length`` bytes of JSON: one ``PAD``, or whole ``PAD`` multiples.

    Every answer a shipped form accepts fits one ``PAD`` (``tests/test_answer_release.py``
    checks the largest), so in practice every box has the same size.
    """
    return PAD * max(1, -(-length // PAD))


def seal(secret_key: str, survey_id: str, answers: dict[str, Any]) -> SealedAnswer:
    """The answers, sealed under a fresh random id."""
    sealed_id = uuid.uuid4().hex
    plain = json.dumps(answers, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    plain += b" " * (padded_size(len(plain)) - len(plain))  # JSON ignores trailing spaces
    nonce = os.urandom(NONCE)
    box = nonce + _cipher(secret_key).encrypt(nonce, plain, _aad(survey_id, sealed_id))
    return SealedAnswer(id=sealed_id, survey_id=survey_id, box=box)


def released_id(secret_key: str, sealed_id: str) -> str:
    """The id a sealed answer gets on release: keyed, so without the key it says nothing of the
    box, and fixed, so two runs releasing the same box write the same answer, not two."""
    message = f"{_INFO.decode()}/released-id\x1f{sealed_id}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def unseal(secret_key: str, sealed: SealedAnswer) -> dict[str, Any]:
    """The answers in ``sealed``; :class:`Unsealable` when the key or the box is not the one sealed with."""
    box = bytes(sealed.box)
    try:
        plain = _cipher(secret_key).decrypt(box[:NONCE], box[NONCE:], _aad(sealed.survey_id, sealed.id))
    except InvalidTag:
        raise Unsealable(
            f"a sealed answer of survey {sealed.survey_id!r} does not open with this key"
        ) from None
    return json.loads(plain)
