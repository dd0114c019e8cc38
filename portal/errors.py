"""Domain exceptions. Services raise them; the web layer maps them to translated pages."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class InvalidInput(DomainError):
    """Input that failed a rule only a service can check (e.g. a NIK already in use).

    `errors` maps form field names to messages (already translated msgids are fine: the web
    layer passes them through gettext).
    """

    status_code = 422

    def __init__(self, errors: Mapping[str, str], message: str = "") -> None:
        super().__init__(message or next(iter(errors.values()), ""))
        self.errors = dict(errors)


class RateLimited(DomainError):
    status_code = 429
