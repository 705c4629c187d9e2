"""A project-local Airflow: ``AIRFLOW_HOME`` under ``var/``, SQLite, this repo's DAGs.

Used by ``empathy demo`` and the integration tests to run the real DAG with
``airflow dags test`` and connections that point at the sandbox CRM.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from empathy_engine.access import airflow_connection_env

PROJECT = Path(__file__).resolve().parent.parent


def airflow_env(home: Path, data_dir: Path, sandbox_info: dict | None) -> dict[str, str]:
    """Environment for an ``airflow`` subprocess using this project's DAGs and plugins."""
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "EMPATHY_DATA_DIR": str(data_dir),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    if sandbox_info:
        env.update(airflow_connection_env(sandbox_info))
    return env


def airflow_bin() -> str:
    """The ``airflow`` executable beside this interpreter (the project's venv)."""
    beside = Path(sys.executable).with_name("airflow")
    return str(beside) if beside.exists() else (shutil.which("airflow") or "airflow")


def run_airflow(args: list[str], env: dict[str, str], *, timeout_s: float = 900,
                capture: bool = True) -> subprocess.CompletedProcess:
    """Run one ``airflow`` command; raise with its output if it fails."""
    proc = subprocess.run([airflow_bin(), *args], env=env, timeout=timeout_s, text=True,
                          capture_output=capture)
    if proc.returncode != 0:
        tail = (proc.stdout or "")[-4000:] + (proc.stderr or "")[-4000:]
        raise RuntimeError(f"`airflow {' '.join(args)}` failed ({proc.returncode}):\n{tail}")
    return proc


def ensure_db(env: dict[str, str]) -> None:
    """Create or upgrade the SQLite metadata database (idempotent)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    run_airflow(["db", "migrate"], env)


def dags_test(dag_id: str, run_date: str, env: dict[str, str], conf: dict | None = None
              ) -> subprocess.CompletedProcess:
    """Run one DAG run in-process with ``airflow dags test``."""
    import json

    args = ["dags", "test", dag_id, run_date]
    if conf:
        args += ["--conf", json.dumps(conf)]
    return run_airflow(args, env)
