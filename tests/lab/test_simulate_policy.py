"""``empathy simulate-policy``: the product's decisions scored against the simulator's truth."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from empathy_lab.report import markdown, oracle_share
from empathy_lab.simulate_policy import POLICIES, WorldSpec, run

KEYS = {"drops_averted": float, "harmful_touches": int, "optout_touches": int, "touches": int}


def _check_shape(document: dict, names: list[str]) -> None:
    assert set(document) == {"worlds"}
    assert [world["name"] for world in document["worlds"]] == names
    for world in document["worlds"]:
        assert set(world) == {"name", "policies"}
        assert list(world["policies"]) == list(POLICIES)
        for row in world["policies"].values():
            assert set(row) == set(KEYS)
            for key, kind in KEYS.items():
                assert isinstance(row[key], kind)


def test_a_tiny_world_gives_every_policy_its_row():
    result = run([WorldSpec("tiny")], contacts=120, weeks=1, seed=4, history_days=120)
    _check_shape(result, ["tiny"])
    rows = result["worlds"][0]["policies"]
    assert rows["no_action"] == {"drops_averted": 0.0, "harmful_touches": 0,
                                 "optout_touches": 0, "touches": 0}
    assert rows["random"]["touches"] == rows["empathy"]["touches"]
    for name in ("empathy", "offer_all_at_risk", "case_rule", "random", "oracle"):
        assert rows[name]["optout_touches"] == 0
    # The oracle acts only where the truth says it helps: never harmful, the most gain.
    assert rows["oracle"]["harmful_touches"] == 0
    assert rows["oracle"]["drops_averted"] >= max(r["drops_averted"] for r in rows.values())
    assert oracle_share(rows, "oracle") == pytest.approx(1.0)
    assert "| tiny | empathy |" in markdown(result)


@pytest.mark.integration
def test_the_cli_prints_the_json_for_each_config_file(tmp_path):
    slow = tmp_path / "slow_drift.toml"
    slow.write_text("[states.transitions]\n"
                    "engaged = [0.92, 0.03, 0.025, 0.015, 0.01]\n")
    done = subprocess.run(
        [sys.executable, "-m", "empathy_engine.cli", "simulate-policy", "--contacts", "80",
         "--weeks", "1", "--seed", "3", "--history-days", "100", "--config", str(slow),
         "--json"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    _check_shape(json.loads(done.stdout), ["slow_drift"])


def test_a_config_with_an_unknown_key_is_refused(tmp_path):
    bad = tmp_path / "typo.toml"
    bad.write_text("[states]\nbrun_in_weeks = 3\n")
    done = subprocess.run([sys.executable, "-m", "empathy_lab", "simulate-policy", "--config",
                           str(bad), "--json"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 2
    assert "brun_in_weeks" in done.stderr


def test_world_files_merge_over_the_simulator_defaults(tmp_path):
    from empathy_sandbox.simulator.config import load_config, read_overlay

    path = tmp_path / "w.toml"
    path.write_text("[actions.offer]\ndrifting = [3.9, 0.8, 1.0, 1.0, 0.3]\n"
                    "[population]\nopt_out_share = 0.2\n")
    merged = load_config(overlays=[read_overlay(path)])
    default = load_config()
    assert merged.section("population")["opt_out_share"] == 0.2
    assert merged.section("population")["contacts_per_owner"] == default.section(
        "population")["contacts_per_owner"]
    offer, drifting = 2, 1
    assert np.allclose(merged.effects[offer, drifting], [3.9, 0.8, 1.0, 1.0, 0.3])
    assert np.allclose(merged.effects[1], default.effects[1])  # support notes untouched


def test_the_sandbox_server_refuses_a_bad_sim_config(tmp_path, capsys):
    from empathy_sandbox.server.main import main

    bad = tmp_path / "typo.toml"
    bad.write_text("[population]\nopt_out_shares = 0.3\n")
    assert main(["serve", "--state-dir", str(tmp_path / "s"), "--sim-config", str(bad)]) == 2
    assert "opt_out_shares" in capsys.readouterr().err
