"""A run survives a flaky CRM: 5xx errors and latency are retried, and nothing is duplicated."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest
import requests

from empathy_engine.access import from_sandbox_info
from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.pipeline import run_pipeline
from tests.crm_admin import admin_stats, admin_tasks

pytestmark = pytest.mark.integration


def test_a_run_through_server_errors_writes_every_task_once(fresh_sandbox, tmp_path, monkeypatch):
    monkeypatch.setattr("empathy_engine.connectors.retry._wait", lambda state: 0.05)  # keep the test quick
    faults = {"error_rate": 0.1, "latency_ms": 5, "seed": 1}
    requests.post(f"{fresh_sandbox['admin_url']}/faults", json=faults,
                  timeout=30).raise_for_status()
    config = PipelineConfig(data_dir=str(tmp_path / "data"))
    run_date = date.fromisoformat(fresh_sandbox["now"][:10])
    report = run_pipeline(config, run_date, from_sandbox_info(fresh_sandbox))
    stats = admin_stats(fresh_sandbox)
    requests.post(f"{fresh_sandbox['admin_url']}/faults", json={}, timeout=30)

    refused = sum(sum(stats[crm]["refused"].values()) for crm in ("salesforce", "hubspot"))
    decisions = pd.read_parquet(RunPaths.of(config, run_date).file("decisions.parquet"))
    written = {item["crm"]: item for item in report["write_back"]}
    assert all(item["failed"] == 0 for item in written.values())
    tasks = admin_tasks(fresh_sandbox)
    keys = Counter((t["crm"], t["action_key"]) for t in tasks)
    assert max(keys.values()) == 1  # retried writes never duplicated a task
    assert len(tasks) == sum(item["created"] for item in written.values())
    assert set(decisions.loc[decisions["write"], "action_key"]) == {k for _, k in keys}
    assert refused > 0, stats  # the faults really happened
