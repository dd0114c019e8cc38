"""PURE: who is asking. Roles, the current identity, and the permission checks on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    RESIDENT = "resident"
    PANELIST = "panelist"
    OFFICER = "officer"  # agency officer, bound to one agency
    AGENCY_HEAD = "agency_head"  # kepala SKPD: approves action plans; acts with their officer binding
    MODERATOR = "moderator"
    COUNCIL = "council"
    ADMIN = "admin"


# Roles that staff of the city hold; granting them is an admin act.
STAFF_ROLES = frozenset({Role.OFFICER, Role.AGENCY_HEAD, Role.MODERATOR, Role.COUNCIL, Role.ADMIN})


@dataclass(frozen=True)
class Identity:
    user_id: int | None = None
    name: str = ""
    email: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    agency_id: int | None = None
    verified: bool = False
    kelurahan_code: str = ""
    kecamatan_code: str = ""
    email_confirmed: bool = False
    session_id: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has(self, *roles: str) -> bool:
        """True when the identity holds any of `roles` (admins hold every staff power)."""
        if not self.is_authenticated:
            return False
        return any(r in self.roles for r in roles) or (
            Role.ADMIN in self.roles and any(r != Role.RESIDENT for r in roles)
        )


ANONYMOUS = Identity()
