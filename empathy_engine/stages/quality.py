"""Stages 2 and 6: the Great Expectations gates. A failure stops the run before write-back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pandas as pd

from empathy_engine.core.config import RunPaths
from empathy_engine.stages.extract import load


def _save(paths: RunPaths, name: str, reports) -> dict:
    out = {"success": all(r.success for r in reports), "suites": [r.to_dict() for r in reports]}
    paths.file(name).write_text(json.dumps(out, indent=2, default=str))
    return out


def validate_raw(paths: RunPaths, crms, run_time: datetime | None = None) -> dict:
    """Check the extracted contacts and activity; raise ``DataQualityError`` when they fail."""
    from empathy_engine.expectations import validate_activities, validate_contacts

    # "In the future" means after the later of the wall clock and the end of the run's day: a
    # run for a date sees that whole day (and a simulated CRM's clock may be ahead of ours).
    end_of_day = datetime.combine(paths.run_date + timedelta(days=1), time(), UTC)
    run_time = run_time or max(datetime.now(UTC), end_of_day)
    reports = [validate_contacts(load(paths, "contacts", crms)),
               validate_activities(load(paths, "activities", crms), run_time=run_time)]
    result = _save(paths, "quality_raw.json", reports)
    for report in reports:
        report.raise_for_failure()
    return result


def validate_decisions(paths: RunPaths) -> dict:
    """Gate the decisions (no outreach to opted-out contacts, one action per contact, …)."""
    from empathy_engine.expectations import validate_decisions as check

    report = check(pd.read_parquet(paths.file("decisions.parquet")))
    result = _save(paths, "quality_decisions.json", [report])
    report.raise_for_failure()
    return result
