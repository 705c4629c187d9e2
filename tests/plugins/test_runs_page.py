"""The "Empathy runs" page inside a real Airflow api-server, behind Airflow's own login."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from datetime import date

import pytest
import requests

from empathy_engine.airflow_env import airflow_bin, airflow_env, ensure_db
from empathy_engine.core.config import RunPaths
from empathy_engine.stages.report import build_report

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def api_server(tmp_path):
    env = airflow_env(tmp_path / "airflow", tmp_path / "data", None)
    ensure_db(env)
    port = _free_port()
    proc = subprocess.Popen([airflow_bin(), "api-server", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/api/v2/version", timeout=5).ok:
                    break
            except requests.ConnectionError:
                time.sleep(1)
        else:
            pytest.fail("the Airflow api-server did not start within 180 s")
        yield base, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_runs_page_lists_reports_for_logged_in_users_only(api_server):
    base, home = api_server
    paths = RunPaths(home / "data", date(2026, 11, 1))
    build_report(paths, {"extract": [{"crm": "hubspot", "contacts": 12, "activities": 34,
                                      "open_actions": 0}],
                         "decide": {"support_note": 2, "offer": 3}})

    assert requests.get(f"{base}/empathy/", timeout=30).status_code == 401

    passwords = json.loads(
        (home / "airflow" / "simple_auth_manager_passwords.json.generated").read_text())
    token = requests.post(f"{base}/auth/token", timeout=30,
                          json={"username": "admin", "password": passwords["admin"]}
                          ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    index = requests.get(f"{base}/empathy/", headers=auth, timeout=30)
    assert index.status_code == 200 and "2026-11-01" in index.text
    run = requests.get(f"{base}/empathy/runs/2026-11-01", headers=auth, timeout=30)
    assert run.status_code == 200
    assert "pulled from hubspot: 12 contacts, 34 activities" in run.text
    assert "support notes 2" in run.text
    missing = requests.get(f"{base}/empathy/runs/2030-01-01", headers=auth, timeout=30)
    assert missing.status_code == 404
