"""The nightly DAG through real Airflow (`airflow dags test`) against the sandbox CRM."""

from __future__ import annotations

import json

import pytest

from empathy_engine.airflow_env import airflow_env, dags_test, ensure_db
from tests.crm_admin import admin_tasks

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_dags_test_runs_every_stage_and_writes_tasks(fresh_sandbox, tmp_path):
    env = airflow_env(tmp_path / "airflow", tmp_path / "data", fresh_sandbox)
    ensure_db(env)
    run_date = fresh_sandbox["now"][:10]
    proc = dags_test("empathy_nightly", run_date, env)
    report = json.loads((tmp_path / "data" / "runs" / run_date / "report.json").read_text())
    assert report["quality"] == {"raw": True, "decisions": True}
    written = {item["crm"]: item["created"] for item in report["write_back"]}
    assert written["salesforce"] > 0 and written["hubspot"] > 0
    crms = {t["crm"] for t in admin_tasks(fresh_sandbox)}
    assert crms == {"salesforce", "hubspot"}
    assert fresh_sandbox["salesforce"]["session_id"] not in proc.stdout + proc.stderr
    assert fresh_sandbox["hubspot"]["access_token"] not in proc.stdout + proc.stderr

    # The weekly DAG retrains on that history; the registry decides about promotion.
    dags_test("empathy_weekly_train", run_date, env)
    versions = tmp_path / "data" / "models" / "versions"
    assert sorted(p.name for p in versions.iterdir()) == ["v0001", "v0002"]
    decision = json.loads((versions / "v0002" / "promotion.json").read_text())
    assert decision["challenger"] is not None and decision["champion"] is not None
    assert (versions / "v0002" / "report.html").exists()
