"""Exactly once, whatever happens: write-back through faults that strike after a write was
applied (the answer lost: a 502 or a read timeout), 5xx errors, and a session expiring
midway, in both CRMs and both HubSpot write modes -- then a clean re-run.

Each case starts from the same decisions (the real pipeline's stages up to ``decide``
against the sandbox; the data-quality gates are other suites' subject), resets the sandbox, writes through the real clients with the fault switched on,
then again without it. Afterwards every decided action exists exactly once in the CRM (linked
to its contact), and the faulty run's ``writeback_<crm>.parquet`` holds a row for every
action, whose "written" rows all exist. Batches are made small so that a few hundred
contacts give several write calls per run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest
import requests
from simple_salesforce import Salesforce

from empathy_engine.access import from_sandbox_info, hubspot_io, salesforce_io
from empathy_engine.connectors import hubspot, hubspot_sink, salesforce
from empathy_engine.connectors.http import TimeoutSession
from empathy_engine.connectors.settings import HubSpotSettings, SalesforceSettings
from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.core.errors import CrmError
from empathy_engine.stages import decide, extract, features, score
from empathy_engine.stages.write_back import tasks_for, write_back
from empathy_sandbox.testing import running_sandbox
from tests.crm_admin import admin_tasks

pytestmark = pytest.mark.integration
TIMEOUT_S = 1.5  # the client's read timeout in the timeout cases
MARKER = re.compile(r"\[empathy:([^\]\s]+)\]")
TABLE: list[dict] = []


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A sandbox and the run directory of one dry run (decisions for both CRMs)."""
    root = tmp_path_factory.mktemp("exactly_once")
    with running_sandbox(root / "sandbox", contacts=300, seed=5, days=120) as info:
        config = PipelineConfig(data_dir=str(root / "data"), dry_run=True)
        paths = RunPaths.of(config, date.fromisoformat(info["now"][:10]))
        crms = from_sandbox_info(dict(info))
        for name, io in crms.items():  # the pipeline's stages up to the decisions
            extract.extract(io.source, name, paths)
        features.build(paths, list(crms), config)
        score.score(paths, config)
        decide.decide(paths, list(crms), config)
        yield info, paths, root
    out = root / "fault_table.json"
    out.write_text(json.dumps(TABLE, indent=1))
    print(f"\nfault table: {out}")
    for row in TABLE:
        print(json.dumps(row))


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr("empathy_engine.connectors.retry._wait", lambda state: 0.05)
    monkeypatch.setattr(salesforce, "COLLECTION_LIMIT", 10)
    monkeypatch.setattr(hubspot_sink, "BATCH_LIMIT", 10)


class _LoginToSandbox(requests.adapters.HTTPAdapter):
    """Routes https://login.salesforce.com to the sandbox, as a test harness would."""

    def __init__(self, instance_url: str):
        super().__init__()
        self.instance_url = instance_url

    def send(self, request, **kwargs):
        request.url = request.url.replace("https://login.salesforce.com", self.instance_url)
        return super().send(request, **kwargs)


@dataclass
class Case:
    name: str
    crm: str
    faults: dict
    mode: str = "upsert"  # HubSpot: "upsert" (unique key property) or "ledger"
    login: str = "session"  # Salesforce: "session" (fixed session id) or "oauth" (renews)
    timeout_s: float = 30.0
    must_fail: bool = False  # the faulty run cannot finish (nothing can renew the session)
    run_budget: int | None = None  # this run's own API budget, when the case spends it


def _sink(info, case: Case, ledger_url: str):
    if case.crm == "salesforce":
        creds = info["salesforce"]
        settings = SalesforceSettings(timeout_s=case.timeout_s,
                                      run_budget=case.run_budget or 5000)
        if case.login == "oauth":
            session = TimeoutSession(timeout_s=case.timeout_s, verify=creds["ca_cert"])
            session.trust_env = False
            session.mount("https://login.salesforce.com",
                          _LoginToSandbox(creds["instance_url"]))
            sf = Salesforce(username=creds["username"], password=creds["password"],
                            consumer_key=creds["consumer_key"],
                            consumer_secret=creds["consumer_secret"], session=session,
                            version=creds["version"])
        else:
            sf = salesforce.make_client(creds["instance_url"], creds["session_id"],
                                        ca_bundle=creds["ca_cert"], version=creds["version"],
                                        timeout_s=case.timeout_s)
        return salesforce_io(sf, settings).sink
    settings = HubSpotSettings.from_connection(info["hubspot"]["host"],
                                               info["hubspot"]["access_token"],
                                               {"timeout_s": case.timeout_s,
                                                "run_budget": case.run_budget or 20000})
    return hubspot_io(settings, ledger_url).sink


def _prepare(info, case: Case) -> None:
    assert info.admin("POST", "faults", json={}).status_code == 200
    assert info.admin("POST", "reset", timeout=300).status_code == 200
    if case.mode == "ledger":  # someone else's non-unique property: no upsert by our key
        client = hubspot.make_client(HubSpotSettings.from_connection(
            info["hubspot"]["host"], info["hubspot"]["access_token"], {}))
        client.crm.properties.core_api.create("tasks", {
            "name": "empathy_key", "label": "someone else's", "type": "string",
            "fieldType": "text", "groupName": "taskinformation", "hasUniqueValue": False})


def _crm_tasks(info, case: Case) -> list[dict]:
    out = []
    for task in admin_tasks(info):
        if task["crm"] != case.crm or task["deleted"]:
            continue
        key = task["action_key"] if case.mode == "upsert" else None
        if key is None:
            found = MARKER.findall(task["body"] or "")
            key = found[-1] if found else None
        out.append({**task, "key": key})
    return out


TOGETHER = {"lost_response_rate": 0.5, "error_rate": 0.1, "seed": 3}
CASES = [
    Case("lost answer (502 after commit)", "salesforce",
         {"lost_response_rate": 0.5, "seed": 3}),
    Case("lost answer (read timeout after commit)", "salesforce",
         {"lost_response_rate": 1.0, "lost_response": "timeout", "lost_response_hold_ms": 3000,
          "lost_response_max": 2}, timeout_s=TIMEOUT_S),
    Case("10% 5xx", "salesforce", {"error_rate": 0.1, "seed": 4}),
    Case("session expires mid-write (fixed session id)", "salesforce",
         {"expire_session_after": 2}, must_fail=True),
    Case("session expires mid-write (OAuth login renews)", "salesforce",
         {"expire_session_after": 2}, login="oauth"),
    Case("this run's API budget spent midway", "salesforce", {}, run_budget=2, must_fail=True),
    Case("lost answers + 5xx together", "salesforce", TOGETHER),
    *[c for mode in ("upsert", "ledger") for c in (
        Case("lost answer (502 after commit)", "hubspot",
             {"lost_response_rate": 0.5, "seed": 3}, mode=mode),
        Case("lost answer (read timeout after commit)", "hubspot",
             {"lost_response_rate": 1.0, "lost_response": "timeout",
              "lost_response_hold_ms": 3000, "lost_response_max": 2},
             mode=mode, timeout_s=TIMEOUT_S),
        Case("10% 5xx", "hubspot", {"error_rate": 0.1, "seed": 4}, mode=mode),
        Case("token expires mid-write (private app token)", "hubspot",
             {"expire_session_after": 4}, mode=mode, must_fail=True),
        Case("this run's API budget spent midway", "hubspot", {}, mode=mode, run_budget=4,
             must_fail=True),
        Case("lost answers + 5xx together", "hubspot", TOGETHER, mode=mode),
    )],
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.crm}-{c.mode}-{c.name}" for c in CASES])
def test_every_decided_action_exists_exactly_once(world, case: Case, tmp_path):
    info, paths, _root = world
    _prepare(info, case)
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    decided = set(tasks_for(paths, case.crm)["action_key"])
    assert len(decided) >= 30  # several write calls per run

    assert info.admin("POST", "faults", json=case.faults).status_code == 200
    told = "finished"
    try:
        summary = write_back(_sink(info, case, ledger_url), case.crm, paths)
        assert summary["failed"] == 0
    except CrmError as exc:
        told = str(exc)
    stats = info.admin("GET", "stats").json()[case.crm]
    assert info.admin("POST", "faults", json={}).status_code == 200
    log = pd.read_parquet(paths.file(f"writeback_{case.crm}.parquet"))
    after_fault = _crm_tasks(info, case)

    # the faulty run: every decided action has its row, and each row "written" exists
    assert sorted(log["action_key"]) == sorted(decided)
    written = log[log["status"].isin(["created", "updated"])]
    existing = {t["id"] for t in after_fault}
    assert set(written["task_id"]) <= existing
    if case.faults:
        assert sum(stats["refused"].values()) > 0, stats  # the fault really happened
    if case.faults.get("lost_response_rate"):
        assert stats["lost_responses"] > 0, stats
    if case.must_fail:
        assert told != "finished" and f"after {len(written)} of {len(decided)}" in told
        assert "writeback_" in told and (log["status"] == "failed").any()

    clean = Case(case.name, case.crm, {}, mode=case.mode, login=case.login)
    rerun = write_back(_sink(info, clean, ledger_url), case.crm, paths)  # the clean re-run
    assert rerun["failed"] == 0 and rerun["created"] + rerun["updated"] == len(decided)
    final = _crm_tasks(info, case)
    counts = Counter(t["key"] for t in final)
    TABLE.append({"crm": case.crm, "mode": case.mode if case.crm == "hubspot" else "upsert",
                  "case": case.name, "decided": len(decided),
                  "written_in_faulty_run": len(written),
                  "in_crm_after_rerun": len(set(counts) & decided),
                  "duplicated": sum(n - 1 for n in counts.values()),
                  "lost": len(decided - set(counts)),
                  "lost_answers": stats.get("lost_responses", 0), "told": told})
    assert set(counts) == decided  # nothing lost, nothing foreign
    assert max(counts.values()) == 1  # nothing duplicated
    assert all(t["contact_email"] for t in final)  # no orphan: each task has its contact
