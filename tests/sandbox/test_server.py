"""The server process: info file, state reuse across restarts, reset, clean shutdown."""

import json
import signal
import subprocess
import sys
import time

import pytest

from empathy_sandbox.server.main import build_parser
from empathy_sandbox.testing import running_sandbox

pytestmark = pytest.mark.integration


def test_defaults():
    args = build_parser().parse_args(["serve"])
    assert (args.contacts, args.seed, args.days) == (3000, 7, 180)
    assert (args.sf_port, args.hs_port, args.host) == (0, 0, "127.0.0.1")
    assert str(args.state_dir) == "var/sandbox"


def test_state_is_reused_and_reset_reseeds(tmp_path, clients):
    make_sf, _ = clients
    state = tmp_path / "state"
    with running_sandbox(state, contacts=60, days=60) as info:
        assert set(info) >= {"salesforce", "hubspot", "admin_url", "web_url", "now"}
        assert info["salesforce"]["version"] == "59.0"
        assert info["salesforce"]["instance_url"].startswith("https://127.0.0.1:")
        assert info["hubspot"]["host"].startswith("http://127.0.0.1:")
        sf = make_sf(info)
        who = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
        sf.Task.upsert("Empathy_Key__c/survives-restart", {"WhoId": who, "Subject": "kept"})
        token = info["salesforce"]["session_id"]
    assert not info.info_file.exists(), "a stopped sandbox removes its info file"
    with running_sandbox(state, contacts=60, days=60) as info:
        keys = [t["action_key"] for t in info.admin("GET", "tasks").json()]
        assert keys == ["survives-restart"]
        assert info["salesforce"]["session_id"] == token
        reset = info.admin("POST", "reset")
        assert reset.status_code == 200
        assert info.admin("GET", "tasks").json() == []
        # the same credentials keep working after a reset
        assert make_sf(info).query("SELECT COUNT() FROM Contact")["totalSize"] > 0
    with running_sandbox(state, contacts=61, days=60) as info:  # other params: reseeded
        assert info.admin("GET", "tasks").json() == []


def test_reset_flag(tmp_path, clients):
    make_sf, _ = clients
    state = tmp_path / "state"
    with running_sandbox(state, contacts=40, days=30) as info:
        sf = make_sf(info)
        who = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
        sf.Task.create({"WhoId": who, "Subject": "gone after --reset"})
    with running_sandbox(state, contacts=40, days=30, extra_args=["--reset"]) as info:
        assert info.admin("GET", "tasks").json() == []


def test_sigterm_stops_cleanly(tmp_path):
    info_file = tmp_path / "info.json"
    proc = subprocess.Popen([sys.executable, "-m", "empathy_sandbox", "serve", "--state-dir",
                             str(tmp_path), "--contacts", "30", "--days", "30",
                             "--info-file", str(info_file)])
    deadline = time.monotonic() + 60
    while not info_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(info_file.read_text())["pid"] == proc.pid
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    assert not info_file.exists()


def test_bad_faults_file_is_reported(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text('{"error_rate": 2}')
    result = subprocess.run([sys.executable, "-m", "empathy_sandbox", "serve", "--state-dir",
                             str(tmp_path), "--faults", str(faults)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "error_rate" in result.stderr
