"""``empathy demo``: the whole product on the sandbox CRM, through real Airflow, once.

Starts the sandbox CRM (state kept in ``var/sandbox`` so a second demo sees the first one's
tasks), points Airflow's connections at it, runs ``airflow dags test empathy_nightly``, prints
the run summary and a duplicate check, and stops the sandbox.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import requests
from rich.console import Console

from empathy_engine.airflow_env import PROJECT, airflow_env, dags_test, ensure_db
from empathy_engine.sandbox_process import running_sandbox
from empathy_engine.stages.report import render_markdown

console = Console()


def sandbox_tasks(info: dict) -> list[dict]:
    """Every task written to the sandbox CRM, from its admin endpoint."""
    response = requests.get(f"{info['admin_url']}/tasks", timeout=30)
    response.raise_for_status()
    body = response.json()
    return body["tasks"] if isinstance(body, dict) else body


def duplicate_keys(tasks: list[dict]) -> dict:
    """Action keys written more than once to the same CRM (must be empty)."""
    counts = Counter((t.get("crm"), t.get("action_key")) for t in tasks if t.get("action_key"))
    return {f"{crm}:{key}": n for (crm, key), n in counts.items() if n > 1}


def run_demo(*, contacts: int, seed: int, days: int, reset: bool) -> int:
    var = PROJECT / "var"
    started = time.monotonic()
    console.print(f"[bold]1/4[/] starting the sandbox CRM ({contacts} contacts, {days} days)…")
    extra = ["--reset"] if reset else []
    with running_sandbox(var / "sandbox", contacts=contacts, seed=seed, days=days,
                         extra_args=extra) as info:
        env = airflow_env(var / "airflow", var / "data", info)
        console.print("[bold]2/4[/] preparing Airflow (SQLite metadata in var/airflow)…")
        ensure_db(env)
        run_date = (info.get("now") or time.strftime("%Y-%m-%d"))[:10]
        before = sandbox_tasks(info)
        console.print(f"[bold]3/4[/] airflow dags test empathy_nightly {run_date} …")
        dags_test("empathy_nightly", run_date, env)
        after = sandbox_tasks(info)
        console.print("[bold]4/4[/] summary\n")
        report_path = var / "data" / "runs" / run_date / "report.json"
        console.print(render_markdown(json.loads(Path(report_path).read_text())))
        per_crm = Counter(t.get("crm") for t in after)
        dups = duplicate_keys(after)
        console.print(f"Tasks in the sandbox CRM: {dict(per_crm)} "
                      f"({len(after) - len(before)} new this run); duplicates: {len(dups)}")
        console.print(f"Airflow logs: {var / 'airflow' / 'logs'}")
        console.print("Browse the CRM: `.venv/bin/empathy sandbox serve` and open its web page "
                      f"(last time: {info.get('web_url')})")
    console.print(f"Done in {time.monotonic() - started:.0f} s.")
    return 1 if dups else 0
