"""A ledger of action key → CRM task id, for CRMs that cannot upsert by our key.

HubSpot upserts by a unique-value task property; where an account cannot have one (no
schema scope, or a non-unique property already holds the name), the sink creates tasks and
remembers their ids here instead. Keys are written as *pending* before the create call and
completed after it, so a crash in between is detectable and repaired on the next run rather
than producing a duplicate.

The ledger is a SQLAlchemy URL: a SQLite file by default, PostgreSQL (or any database the
Airflow workers share) when runs are distributed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()
ledger_table = sa.Table(
    "empathy_task_ledger", metadata,
    sa.Column("crm", sa.String(32), primary_key=True),
    sa.Column("action_key", sa.String(64), primary_key=True),
    sa.Column("contact_id", sa.String(64), nullable=False),
    sa.Column("task_id", sa.String(64), nullable=True),  # NULL while pending
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


class TaskLedger:
    """Action keys and the task ids they became, per CRM."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        metadata.create_all(self.engine)

    def lookup(self, crm: str, keys) -> dict[str, dict]:
        """``{action_key: {"task_id", "contact_id"}}`` for the keys the ledger knows."""
        keys = list(keys)
        if not keys:
            return {}
        query = sa.select(ledger_table).where(ledger_table.c.crm == crm,
                                              ledger_table.c.action_key.in_(keys))
        with self.engine.connect() as conn:
            return {row.action_key: {"task_id": row.task_id, "contact_id": row.contact_id}
                    for row in conn.execute(query)}

    def mark_pending(self, crm: str, contacts_by_key: dict[str, str]) -> None:
        """Record that tasks for these keys are about to be created."""
        now = datetime.now(UTC)
        rows = [{"crm": crm, "action_key": k, "contact_id": c, "task_id": None, "updated_at": now}
                for k, c in contacts_by_key.items()]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(ledger_table), rows)

    def record(self, crm: str, task_ids: dict[str, str]) -> None:
        """Store the task id each key became."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for key, task_id in task_ids.items():
                conn.execute(sa.update(ledger_table)
                             .where(ledger_table.c.crm == crm, ledger_table.c.action_key == key)
                             .values(task_id=task_id, updated_at=now))
