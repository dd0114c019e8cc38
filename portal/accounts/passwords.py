"""Password hashing with argon2id (RFC 9106 low-memory profile), off the event loop."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.concurrency import run_in_threadpool

MIN_LENGTH = 10
MAX_LENGTH = 256


def make_hasher(cheap: bool = False) -> PasswordHasher:
    return PasswordHasher.from_parameters(profiles.CHEAPEST) if cheap else PasswordHasher()


async def hash_password(hasher: PasswordHasher, password: str) -> str:
    return await run_in_threadpool(hasher.hash, password)


async def check_password(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return await run_in_threadpool(hasher.verify, stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so that a login for an unknown
# email costs the same time as one for a known email (no user enumeration by timing).
def dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password-000")
