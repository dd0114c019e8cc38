"""Rate limits for sensitive actions, per client address and per account key.

Built on the `limits` library: in-process memory for the single-process embedded default;
set WARGA_RATELIMIT_STORAGE (e.g. async+redis://...) when several workers must share counters.
"""

from __future__ import annotations

import hashlib

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from portal.errors import RateLimited

# action -> (per client address, per account key)
POLICIES: dict[str, tuple[str, str]] = {
    "login": ("20/10 minutes", "8/10 minutes"),
    "register": ("10/hour", "5/hour"),
    "reset": ("10/hour", "3/hour"),
    "nik": ("10/hour", "5/hour"),
    "confirm": ("20/hour", "10/hour"),
    # Ballot receipt lookups (voting): per client address; codes carry ~100 bits, this is depth.
    "receipt": ("30/10 minutes", "30/10 minutes"),
    # Open data (portal.opendata): per client address only; the second budget is unused.
    "api": ("300/minute", "300/minute"),
    "export": ("30/minute", "30/minute"),
}


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://") -> None:
        uri = storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(uri))
        self._items: dict[str, tuple[RateLimitItem, RateLimitItem]] = {
            action: (parse(by_client), parse(by_key)) for action, (by_client, by_key) in POLICIES.items()
        }

    async def hit(self, action: str, client: str, key: str = "") -> None:
        """Count one attempt; raise RateLimited when either budget is spent."""
        by_client, by_key = self._items[action]
        ok = await self._limiter.hit(by_client, action, "client", client)
        if key:
            hashed = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
            ok = await self._limiter.hit(by_key, action, "key", hashed) and ok
        if not ok:
            raise RateLimited("Too many attempts. Please wait a while and try again.")

    async def reset(self) -> None:
        await self._limiter.storage.reset()
