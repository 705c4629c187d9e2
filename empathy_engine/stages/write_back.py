"""Stage 7: write the decided tasks to one CRM, idempotently, and log every row."""

from __future__ import annotations

import logging
from typing import Protocol

import pandas as pd

from empathy_engine.connectors.writeback import WriteResult
from empathy_engine.core.config import RunPaths
from empathy_engine.core.errors import CrmError

log = logging.getLogger(__name__)


class TaskSink(Protocol):
    def write(self, tasks: pd.DataFrame) -> WriteResult: ...


def tasks_for(paths: RunPaths, crm: str) -> pd.DataFrame:
    """Written decisions joined with this CRM's contact records (a person may be in both)."""
    decisions = pd.read_parquet(paths.file("decisions.parquet"))
    decisions = decisions[decisions["write"]]
    contacts = pd.read_parquet(paths.file("contacts.parquet"))
    contacts = contacts[contacts["source"] == crm][["contact_key", "source_id", "owner_id"]]
    contacts = contacts.drop_duplicates("contact_key")
    return decisions.merge(contacts, on="contact_key", how="inner")


def write_back(sink: TaskSink, crm: str, paths: RunPaths, *, dry_run: bool = False) -> dict:
    """Upsert this CRM's tasks; raise ``CrmError`` after logging if any row failed.

    Every row's outcome lands in ``writeback_<crm>.parquet`` before anything is raised, and
    the upserts are keyed by the action key, so Airflow's retry redoes only what is missing
    without creating duplicates.
    """
    tasks = tasks_for(paths, crm)
    if dry_run:
        log.info("dry run: %d %s tasks not written", len(tasks), crm)
        return {"crm": crm, "planned": len(tasks), "created": 0, "updated": 0, "failed": 0,
                "dry_run": True}
    result = sink.write(tasks) if len(tasks) else WriteResult(crm)
    pd.DataFrame(result.rows(), columns=["crm", "action_key", "task_id", "status", "error"]
                 ).to_parquet(paths.file(f"writeback_{crm}.parquet"), index=False)
    summary = {"crm": crm, "planned": len(tasks), "created": len(result.created),
               "updated": len(result.updated), "failed": len(result.errors), "dry_run": False}
    if result.errors:
        first = next(iter(result.errors.items()))
        raise CrmError(f"{crm}: {len(result.errors)} of {len(tasks)} tasks were refused (first: "
                       f"{first[0]}: {first[1]}); see writeback_{crm}.parquet. Fix the data and "
                       "re-run: written tasks are upserted, never duplicated.", crm=crm)
    return summary
