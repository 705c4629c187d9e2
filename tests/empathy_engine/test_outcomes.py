"""Outcomes end to end: decide with a hold-out, let simulated time pass, measure uplift."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from empathy_engine.access import from_sandbox_info
from empathy_engine.core.config import PipelineConfig
from empathy_engine.pipeline import run_pipeline
from empathy_engine.stages.outcomes import measure

pytestmark = pytest.mark.integration


@pytest.mark.xfail(reason="known gap (issue 8): with the expected-gain policy, the post-policy task "
                          "plan and 300 contacts, no offer reaches both arms of the sticky hold-out; "
                          "the outcomes step must read assignment/intended_action", strict=False)
def test_uplift_is_measured_against_the_holdout(fresh_sandbox, tmp_path, capsys):
    config = PipelineConfig(data_dir=str(tmp_path / "data"), holdout_share=0.3)
    decided = date.fromisoformat(fresh_sandbox["now"][:10])
    run_pipeline(config, decided, from_sandbox_info(fresh_sandbox))
    response = requests.post(f"{fresh_sandbox['admin_url']}/advance", json={"days": 28},
                             timeout=300)
    response.raise_for_status()
    observed = decided + timedelta(days=28)
    run_pipeline(config.with_(dry_run=True), observed, from_sandbox_info(fresh_sandbox))
    result = measure(config, decided, observed)
    table = {row["action"]: row for row in result["uplift"]}
    assert table["offer"]["n_treated"] > 0 and table["offer"]["n_holdout"] > 0
    for row in table.values():
        for rate in ("engaged_treated", "engaged_holdout"):
            assert row[rate] != row[rate] or 0 <= row[rate] <= 1  # NaN or a proportion
    assert (tmp_path / "data" / "runs" / observed.isoformat()
            / f"outcomes_{decided.isoformat()}.json").exists()

    from empathy_engine.cli import main

    assert main(["outcomes", "--decided", decided.isoformat(), "--observed",
                 observed.isoformat(), "--data-dir", str(tmp_path / "data")]) == 0
    assert "uplift" in capsys.readouterr().out
