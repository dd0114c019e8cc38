"""The participatory-budgeting demo: one published cycle with a few hundred ballots, one open."""

from __future__ import annotations

import argparse

from portal.voting import demo, pb_db_cli
from portal.voting.models import PbBallot, PbCycle, PbTallyRow


async def test_demo_loads_once_with_a_finished_and_an_open_cycle(db) -> None:  # type: ignore[no-untyped-def]
    await demo.load_demo()
    await demo.load_demo()  # idempotent
    finished = await PbCycle.get(title=demo.FINISHED_TITLE)
    assert finished.phase == "published"
    assert await PbBallot.filter(scope__cycle_id=finished.id).count() >= 200
    assert await PbTallyRow.filter(scope__cycle_id=finished.id, primary=True, selected=True).exists()
    assert (await PbCycle.get(title=demo.OPEN_TITLE)).phase == "voting"
    assert await PbCycle.all().count() == 2


def test_db_commands_register_import_and_export() -> None:
    parser = argparse.ArgumentParser()
    pb = parser.add_subparsers(dest="pb_command")
    pb_db_cli.add_db_commands(pb)
    args = parser.parse_args(["export", "3", "out.pb", "--kecamatan", "32.73.02"])
    assert (args.cycle, args.kecamatan, args.handler) == (3, "32.73.02", pb_db_cli.run_export)
    assert parser.parse_args(["import", "x.pb", "--tally"]).handler is pb_db_cli.run_import
