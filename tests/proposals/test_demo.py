"""The demo loader builds ~60 proposals in many states through the services, once."""

from __future__ import annotations

import io

import pytest

from portal.core.demo_accounts import load_demo as load_accounts
from portal.core.models import AuditEvent
from portal.proposals.demo import load_demo
from portal.proposals.models import Proposal, TimelineEntry


@pytest.mark.slow
async def test_demo_loader_is_realistic_and_idempotent(db, settings) -> None:  # type: ignore[no-untyped-def]
    await load_accounts(settings, io.StringIO())
    await load_demo(settings)
    await load_demo(settings)
    assert await Proposal.all().count() == 60
    statuses = set(await Proposal.all().values_list("status", flat=True))
    assert {"draft", "submitted", "forwarded", "answered", "eligible", "closed", "rerouting"} <= statuses
    assert await TimelineEntry.filter(action="verify").exists()
    assert await AuditEvent.filter(tag="proposals:support:add").exists()
