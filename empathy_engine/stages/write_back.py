"""Stage 7: write the decided tasks to one CRM, idempotently, and log every row."""

from __future__ import annotations

import logging
from typing import Protocol

import pandas as pd

from empathy_engine.connectors.writeback import WriteResult
from empathy_engine.core.config import RunPaths
from empathy_engine.core.errors import CrmError

log = logging.getLogger(__name__)
COLUMNS = ["crm", "action_key", "task_id", "status", "error"]


class TaskSink(Protocol):
    def write(self, tasks: pd.DataFrame, result: WriteResult | None = None) -> WriteResult: ...


def tasks_for(paths: RunPaths, crm: str) -> pd.DataFrame:
    """Written decisions joined with this CRM's contact records (a person may be in both)."""
    decisions = pd.read_parquet(paths.file("decisions.parquet"))
    decisions = decisions[decisions["write"]]
    if "target_crm" in decisions:
        # one person, one task: only the CRM the person is most engaged with gets it
        decisions = decisions[decisions["target_crm"].isna() | (decisions["target_crm"] == crm)]
    contacts = pd.read_parquet(paths.file("contacts.parquet"))
    contacts = contacts[contacts["source"] == crm][["contact_key", "source_id", "owner_id"]]
    if "target_source_id" in decisions and decisions["target_source_id"].notna().any():
        chosen = decisions[["contact_key", "target_source_id"]].dropna()
        picked = contacts.merge(chosen, left_on=["contact_key", "source_id"],
                                right_on=["contact_key", "target_source_id"], how="inner")
        rest = contacts[~contacts["contact_key"].isin(picked["contact_key"])]
        contacts = pd.concat([picked[["contact_key", "source_id", "owner_id"]], rest])
    contacts = contacts.drop_duplicates("contact_key")
    return decisions.merge(contacts, on="contact_key", how="inner")


def write_back(sink: TaskSink, crm: str, paths: RunPaths, *, dry_run: bool = False) -> dict:
    """Write this CRM's tasks; raise ``CrmError`` after logging if any row failed.

    Every row's outcome lands in ``writeback_<crm>.parquet`` before anything is raised --
    also when a call fails for good midway (an expired session, a spent allowance, a CRM
    that keeps failing): the rows written until then are kept, the others are marked failed,
    and the error says how many were written. Writes are keyed by the action key, so a re-run
    (or Airflow's retry) redoes only what is missing, without creating duplicates.
    """
    tasks = tasks_for(paths, crm)
    if dry_run:
        log.info("dry run: %d %s tasks not written", len(tasks), crm)
        return {"crm": crm, "planned": len(tasks), "created": 0, "updated": 0, "failed": 0,
                "dry_run": True}
    result, stopped = WriteResult(crm), None
    try:
        if len(tasks):
            sink.write(tasks, result)
    except CrmError as exc:
        stopped = exc
        for key in set(tasks["action_key"]) - result.done():
            result.failed(key, f"not written: the run stopped before this task ({exc})")
    pd.DataFrame(result.rows(), columns=COLUMNS).to_parquet(
        paths.file(f"writeback_{crm}.parquet"), index=False)
    log.info("%s: %d created, %d updated, %d failed of %d tasks", crm, len(result.created),
             len(result.updated), len(result.errors), len(tasks))
    if stopped is not None:
        raise type(stopped)(
            f"{crm}: write-back stopped after {result.written()} of {len(tasks)} tasks were "
            f"written ({len(result.created)} created, {len(result.updated)} updated; every "
            f"row's outcome is in writeback_{crm}.parquet): {stopped} Re-run the same date "
            "once that is fixed: written tasks are found and updated, never duplicated.",
            crm=crm, status=stopped.status) from stopped
    summary = {"crm": crm, "planned": len(tasks), "created": len(result.created),
               "updated": len(result.updated), "failed": len(result.errors), "dry_run": False}
    if result.errors:
        first = next(iter(result.errors.items()))
        raise CrmError(f"{crm}: {len(result.errors)} of {len(tasks)} tasks were refused (first: "
                       f"{first[0]}: {first[1]}); see writeback_{crm}.parquet. Fix the data and "
                       "re-run: written tasks are upserted, never duplicated.", crm=crm)
    return summary
