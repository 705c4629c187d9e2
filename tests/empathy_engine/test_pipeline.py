"""The whole pipeline, in one process, against a fresh sandbox CRM over real HTTP."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from empathy_engine.access import from_sandbox_info
from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.core.errors import DataQualityError
from empathy_engine.pipeline import run_pipeline
from empathy_engine.stages import extract, quality
from tests.crm_admin import admin_tasks

pytestmark = pytest.mark.integration


def _run_date(info: dict) -> date:
    return date.fromisoformat(info["now"][:10])


def test_a_run_writes_actions_and_a_rerun_duplicates_nothing(fresh_sandbox, tmp_path):
    config = PipelineConfig(data_dir=str(tmp_path / "data"))
    run_date = _run_date(fresh_sandbox)
    report = run_pipeline(config, run_date, from_sandbox_info(fresh_sandbox))

    decisions = pd.read_parquet(RunPaths.of(config, run_date).file("decisions.parquet"))
    assert set(decisions["action"]) == {"support_note", "offer", "silence"}
    outreach = decisions[decisions["action"] != "silence"]
    assert not outreach["opted_out"].any()
    written = {item["crm"]: item for item in report["write_back"]}
    assert written["salesforce"]["created"] > 0 and written["hubspot"]["created"] > 0
    tasks = admin_tasks(fresh_sandbox)
    assert len(tasks) == written["salesforce"]["created"] + written["hubspot"]["created"]

    again = run_pipeline(config, run_date, from_sandbox_info(fresh_sandbox))
    assert all(item["created"] == 0 for item in again["write_back"])
    assert len(admin_tasks(fresh_sandbox)) == len(tasks)
    keys = [(t["crm"], t["action_key"]) for t in admin_tasks(fresh_sandbox)]
    assert len(keys) == len(set(keys))


def test_text_is_dropped_after_scoring(fresh_sandbox, tmp_path):
    config = PipelineConfig(data_dir=str(tmp_path / "data"), dry_run=True)
    run_date = _run_date(fresh_sandbox)
    run_pipeline(config, run_date, from_sandbox_info(fresh_sandbox))
    paths = RunPaths.of(config, run_date)
    for name in ("activities.parquet", "activities_salesforce.parquet",
                 "activities_hubspot.parquet"):
        table = pd.read_parquet(paths.file(name))
        assert "text" not in table or table["text"].isna().all(), name
    assert pd.read_parquet(paths.file("activities.parquet"))["tone"].notna().any()
    assert admin_tasks(fresh_sandbox) == []  # dry run wrote nothing


def test_bad_data_stops_the_run_before_write_back(sandbox, tmp_path):
    config = PipelineConfig(data_dir=str(tmp_path / "data"))
    paths = RunPaths.of(config, _run_date(sandbox))
    io = from_sandbox_info(sandbox, ("hubspot",))["hubspot"]
    extract.extract(io.source, "hubspot", paths)
    raw = pd.read_parquet(paths.file("activities_hubspot.parquet"))
    raw.loc[raw.index[:3], "kind"] = "carrier_pigeon"
    raw.to_parquet(paths.file("activities_hubspot.parquet"), index=False)
    with pytest.raises(DataQualityError, match="kind"):
        quality.validate_raw(paths, ["hubspot"])
    assert not paths.file("decisions.parquet").exists()
