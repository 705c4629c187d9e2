"""evaluate-uplift: Qini in numpy, cross-checked; a synthetic experiment with a known effect."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from empathy_engine.models.uplift import qini_coefficient, qini_curve


def _reference_qini_curve(uplift, treated, outcome):
    """Textbook Qini curve, one person at a time (the reference the numpy version must match)."""
    rows = sorted(zip(uplift, treated, outcome, strict=True), key=lambda r: -r[0])
    points, yt, yc, nt, nc = [0.0], 0.0, 0.0, 0, 0
    for _, t, y in rows:
        if t:
            nt, yt = nt + 1, yt + y
        else:
            nc, yc = nc + 1, yc + y
        points.append(yt - (yc * nt / nc if nc else 0.0))
    return np.array(points)


def test_qini_matches_the_reference_computation():
    rng = np.random.default_rng(0)
    uplift = rng.random(500)
    treated = rng.random(500) < 0.5
    outcome = rng.random(500) < 0.2 + 0.2 * treated * uplift
    share, gain = qini_curve(uplift, treated, outcome)
    assert np.allclose(gain, _reference_qini_curve(uplift, treated, outcome))
    reference = np.trapezoid((gain - share * gain[-1]) / 500, share)
    assert qini_coefficient(uplift, treated, outcome) == pytest.approx(reference)
    assert qini_coefficient(uplift, treated, outcome) > qini_coefficient(-uplift, treated,
                                                                         outcome)


def test_evaluate_uplift_finds_the_persuadables(tmp_path, capsys):
    from empathy_engine.cli import main

    rng = np.random.default_rng(1)
    n = 4000
    segment = rng.choice(["a", "b"], n)
    age = rng.random(n)
    treated = rng.random(n) < 0.5
    # the treatment helps only segment "b"; risk (no outcome) is highest among the old
    p = 0.3 - 0.2 * age + 0.3 * treated * (segment == "b")
    frame = pd.DataFrame({"segment": segment, "age": age,
                          "arm": np.where(treated, "mail", "none"),
                          "visit": (rng.random(n) < p).astype(int)})
    data = tmp_path / "experiment.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "pred.csv"
    assert main(["evaluate-uplift", "--data", str(data), "--treatment", "arm", "--treated",
                 "mail", "--outcome", "visit", "--predictions", str(out), "--folds", "3",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"]["qini"] > report["risk"]["qini"] + 0.01
    assert report["model"]["qini"] > report["random"]["qini"] + 0.01
    assert report["model"]["uplift_at_30"] > 0.2
    predictions = pd.read_csv(out)
    assert list(predictions.columns) == ["row", "uplift"] and len(predictions) == n
    assert predictions.groupby(frame["segment"])["uplift"].mean()["b"] > 0.15
