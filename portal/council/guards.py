"""Database triggers that keep published decisions immutable, whatever code path runs.

The services already refuse (and audit) any change to a published decision; these triggers are
the second line: an UPDATE or DELETE of a published row, or a change of its links, aborts.
Publishing itself is an UPDATE of a *draft* row, which the triggers allow.
Installed by the test fixtures of tests/council and by a migration (RunPython(install)).
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

MESSAGE = "published council decisions are immutable"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS council_decision_no_update BEFORE UPDATE ON council_decision
       WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS council_decision_no_delete BEFORE DELETE ON council_decision
       WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS council_link_no_insert BEFORE INSERT ON council_decision_link
       WHEN (SELECT status FROM council_decision WHERE id = NEW.decision_id) = 'published'
       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS council_link_no_update BEFORE UPDATE ON council_decision_link
       WHEN (SELECT status FROM council_decision WHERE id = OLD.decision_id) = 'published'
       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS council_link_no_delete BEFORE DELETE ON council_decision_link
       WHEN (SELECT status FROM council_decision WHERE id = OLD.decision_id) = 'published'
       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION council_decision_immutable() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'published' THEN RAISE EXCEPTION '{MESSAGE}'; END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS council_decision_immutable ON council_decision",
    """CREATE TRIGGER council_decision_immutable BEFORE UPDATE OR DELETE ON council_decision
       FOR EACH ROW EXECUTE FUNCTION council_decision_immutable()""",
    f"""CREATE OR REPLACE FUNCTION council_link_immutable() RETURNS trigger AS $$
       DECLARE target integer;
       BEGIN
         IF TG_OP = 'INSERT' THEN target := NEW.decision_id; ELSE target := OLD.decision_id; END IF;
         IF (SELECT status FROM council_decision WHERE id = target) = 'published' THEN
           RAISE EXCEPTION '{MESSAGE}';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS council_link_immutable ON council_decision_link",
    """CREATE TRIGGER council_link_immutable BEFORE INSERT OR UPDATE OR DELETE ON council_decision_link
       FOR EACH ROW EXECUTE FUNCTION council_link_immutable()""",
]


async def install(client: BaseDBAsyncClient) -> None:
    statements = POSTGRES if client.capabilities.dialect == "postgres" else SQLITE
    for statement in statements:
        await client.execute_script(statement)
