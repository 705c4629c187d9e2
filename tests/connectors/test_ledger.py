"""The task ledger on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from empathy_engine.connectors.ledger import TaskLedger, ledger_table

POSTGRES_URL = os.environ.get("EMPATHY_TEST_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _exercise(ledger: TaskLedger, crm: str) -> None:
    assert ledger.lookup(crm, ["a", "b"]) == {}
    ledger.mark_pending(crm, {"a": "101", "b": "102"})
    assert ledger.lookup(crm, ["a", "b", "c"]) == {"a": {"task_id": None, "contact_id": "101"},
                                                   "b": {"task_id": None, "contact_id": "102"}}
    ledger.record(crm, {"a": "9001"})
    assert ledger.lookup(crm, ["a"])["a"]["task_id"] == "9001"
    with pytest.raises(sa.exc.IntegrityError):  # one key, one task: never two rows
        ledger.mark_pending(crm, {"a": "101"})


def test_sqlite_ledger(tmp_path):
    _exercise(TaskLedger(f"sqlite:///{tmp_path / 'ledger.sqlite'}"), "hubspot")


@pytest.mark.integration
def test_postgres_ledger():
    ledger = TaskLedger(POSTGRES_URL)
    crm = f"test-{uuid.uuid4().hex[:8]}"
    try:
        _exercise(ledger, crm)
    finally:
        with ledger.engine.begin() as conn:
            conn.execute(sa.delete(ledger_table).where(ledger_table.c.crm == crm))
