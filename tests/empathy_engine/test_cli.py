import pytest

from empathy_engine.cli import build_parser, main


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "sandbox", "run", "train", "evaluate", "outcomes", "airflow-env"):
        assert command in out


def test_bad_date_is_explained(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["evaluate", "--activities", "a.csv", "--cutoff", "11/01"])
    assert "expected YYYY-MM-DD" in capsys.readouterr().err


def test_run_can_ignore_the_bookmarks():
    args = build_parser().parse_args(["run", "--sandbox-info", "info.json", "--full-refresh"])
    assert args.full_refresh
    assert not build_parser().parse_args(["run", "--sandbox-info", "info.json"]).full_refresh


def test_evaluate_prints_json_for_a_purchase_only_csv(tmp_path, capsys):
    """`empathy evaluate` on a bare purchase log: customer id, date, amount."""
    import json

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    rows = []
    for customer in range(300):
        rate = rng.gamma(2.0, 0.02)  # purchases per day
        lifetime = rng.integers(30, 400)  # days until the customer stops buying
        for day in np.flatnonzero(rng.random(400) < rate):
            if day < lifetime:
                rows.append({"customer_id": f"c{customer}",
                             "date": (pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(day)))
                             .date().isoformat(), "amount": round(float(rng.gamma(2, 30)), 2)})
    path = tmp_path / "orders.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    code = main(["evaluate", "--activities", str(path), "--cutoff", "2025-11-01",
                 "--horizon-days", "56", "--label", "inactive", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] > 100 and 0 < result["label_rate"] < 1
    assert {"model", "recency", "bgnbd"} <= set(result["auc"])
    assert all(0 <= v <= 1 for v in result["auc"].values() if v is not None)
