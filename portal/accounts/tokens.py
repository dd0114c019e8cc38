"""Signed, expiring tokens for e-mail links (itsdangerous).

Password-reset tokens embed a fingerprint of the current password hash, so a token stops
working as soon as it has been used (the hash changes) — single use without a table.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRM_EMAIL = ("confirm-email", timedelta(days=3))
RESET_PASSWORD = ("reset-password", timedelta(hours=1))


class TokenError(Exception):
    pass


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


class Tokens:
    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"warga:{purpose}")

    def make(self, kind: tuple[str, timedelta], payload: dict[str, object]) -> str:
        return self._serializer(kind[0]).dumps(payload)

    def read(self, kind: tuple[str, timedelta], token: str) -> dict[str, object]:
        try:
            data = self._serializer(kind[0]).loads(token, max_age=int(kind[1].total_seconds()))
        except BadSignature as exc:  # SignatureExpired is a subclass
            raise TokenError(type(exc).__name__) from exc
        if not isinstance(data, dict):
            raise TokenError("payload")
        return data
