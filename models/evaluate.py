"""Evaluate the model on any activity export, against the classic baselines.

``empathy evaluate`` calls :func:`load_activities`, :func:`load_contacts`, :func:`evaluate` and
:func:`format_evaluation`. The model is trained strictly before the cutoff (its last label
window ends at the cutoff), then every contact with activity before the cutoff is scored and
judged on what happened in ``[cutoff, cutoff + horizon)`` — as are the baselines (recency,
activity trend, an RFM regression and the BG/NBD customer-base model) on the same rows.

``model`` is the forecast the product would ship: the booster, a logistic stack of the booster
and the baselines, or a baseline, whichever ranked best on the backtest's held-out period
(:mod:`models.stacking`; its labels end at the cutoff). ``booster`` is the booster alone.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from empathy_engine.core.errors import ModelError
from empathy_engine.models.features import build_features, prepare, to_utc_timestamp
from empathy_engine.models.labels import make_labels
from empathy_engine.models.loaders import load_activities, load_contacts
from empathy_engine.models.metrics import score_forecast
from empathy_engine.models.stacking import fit_selector
from empathy_engine.models.training import measure, train

__all__ = ["evaluate", "evaluation_rows", "format_evaluation", "load_activities", "load_contacts"]

_METRICS = (("auc", "ROC-AUC"), ("pr_auc", "PR-AUC"), ("brier", "Brier"), ("ece", "ECE"))


def _last_activity(con) -> pd.Timestamp:
    last = con.execute("SELECT epoch_us(max(ts)) FROM scored").fetchone()[0]
    return pd.Timestamp(last, unit="us", tz="UTC")


def evaluate(
    activities,
    contacts=None,
    *,
    cutoff,
    horizon_days: int = 28,
    label: str = "inactive",
    seed: int = 0,
    drop_share: float = 0.5,
) -> dict:
    """Train before ``cutoff`` and measure model and baselines on the period after it.

    Parameters
    ----------
    activities : pandas.DataFrame, pyarrow.Table, str or Path
        Canonical activities (see :func:`load_activities` for other exports); purchase-only
        logs work.
    contacts : optional
        Canonical contacts, or None.
    cutoff : datetime-like
        Nothing at or after it is used for training or features.
    horizon_days : int, default 28
    label : {"inactive", "drop"}
    seed : int, default 0
    drop_share : float, default 0.5

    Returns
    -------
    dict
        ``n``, ``label_rate``, ``auc``, ``pr_auc``, ``brier``, ``ece`` (each a dict with
        ``model`` — the selected forecast —, ``booster``, ``recency``, ``trend``, ``rfm``,
        ``bgnbd``), plus ``cutoff``, ``horizon_days``, ``label``, ``label_window_days`` (of
        training), ``n_train``, ``selection`` (what was selected, every candidate's held-out
        AUC, the stack's coefficients) and ``notes``.
    """
    rows, result, con, selector = _train_and_score(
        activities, contacts, cutoff, horizon_days, label, seed, drop_share
    )
    booster, baselines = measure(result.fitted_baselines, rows, horizon_days=horizon_days)
    predicted = result.fitted_baselines.predict(rows, horizon_days=horizon_days)
    ranking, probability = selector.forecast(rows["probability"], predicted)
    metrics = {**booster, **score_forecast(rows["label"].to_numpy(), probability, ranking)}
    cutoff = to_utc_timestamp(cutoff)
    notes = list(result.notes) + _coverage_note(con, cutoff, horizon_days)
    notes.append(_selection_note(selector))
    report = _report(
        metrics, {"booster": booster, **baselines}, result, cutoff, horizon_days, label, notes
    )
    report["selection"] = selector.summary()
    return report


def evaluation_rows(
    activities,
    contacts=None,
    *,
    cutoff,
    horizon_days: int = 28,
    label: str = "inactive",
    seed: int = 0,
    drop_share: float = 0.5,
):
    """The rows :func:`evaluate` measures, with every forecast's ranking score.

    Parameters are those of :func:`evaluate`.

    Returns
    -------
    rows : pandas.DataFrame
        Features as of ``cutoff`` of every contact active before it, with ``label`` and the
        booster's ``probability``.
    scores : dict of str to numpy.ndarray
        ``model`` (the shipped forecast: booster, stack or baseline as selected on the
        held-out period), ``booster`` and each baseline's raw risk score, aligned with
        ``rows`` (for comparisons with other forecasts on the same rows, such as the
        simulator's oracle).
    """
    rows, result, _, selector = _train_and_score(
        activities, contacts, cutoff, horizon_days, label, seed, drop_share
    )
    predicted = result.fitted_baselines.predict(rows, horizon_days=horizon_days)
    ranking, _ = selector.forecast(rows["probability"], predicted)
    scores = {"model": np.asarray(ranking), "booster": rows["probability"].to_numpy()}
    scores.update({name: raw for name, (raw, _) in predicted.items()})
    return rows, scores


def _train_and_score(activities, contacts, cutoff, horizon_days, label, seed, drop_share):
    con = prepare(activities, contacts)
    cutoff = to_utc_timestamp(cutoff)
    result = train(
        None, None, cutoff, horizon_days, label, seed, drop_share=drop_share, refit=True, con=con
    )
    rows = _scored_rows(con, result.model, cutoff, horizon_days, label, drop_share)
    return rows, result, con, select(result, seed=seed)


def select(result, *, seed: int = 0):
    """The :class:`~models.stacking.Selector` of a training run, fitted on its held-out rows
    only (their label window ends at the cutoff, so no label at or after it is read)."""
    holdout = result.holdout
    predicted = result.fitted_baselines.predict(holdout)
    return fit_selector(holdout, predicted, seed=seed)


def _selection_note(selector) -> str:
    aucs = ", ".join(f"{n} {v:.3f}" for n, v in selector.holdout_auc.items())
    return f"'model' is the forecast selected on the held-out period: {selector.selected}" + (
        f" (held-out AUC: {aucs})" if aucs else ""
    )


def _scored_rows(con, model, cutoff, horizon_days, label, drop_share) -> pd.DataFrame:
    features = build_features(None, None, cutoff, con=con)
    active = features[features["days_since_first_activity"].notna()].reset_index(drop=True)
    if active.empty:
        raise ModelError(f"no contact has activity before {cutoff:%Y-%m-%d}; pick a later cutoff")
    labels = make_labels(
        con,
        active["contact_key"],
        cutoff,
        horizon_days=horizon_days,
        label=label,
        drop_share=drop_share,
    )
    return active.assign(label=labels.to_numpy(), probability=model.predict_drop(active))


def _coverage_note(con, cutoff, horizon_days) -> list[str]:
    covered = (_last_activity(con) - cutoff) / pd.Timedelta(days=1)
    if covered >= horizon_days - 1:
        return []
    return [
        f"the data ends {max(covered, 0):.0f} days after the cutoff, inside the "
        f"{horizon_days}-day horizon: labels are incomplete"
    ]


def _report(metrics, baselines, result, cutoff, horizon_days, label, notes) -> dict:
    report = {"n": metrics["n"], "label_rate": metrics["label_rate"]}
    for key, _ in _METRICS:
        report[key] = {"model": metrics[key], **{n: m[key] for n, m in baselines.items()}}
    report.update(
        cutoff=cutoff.isoformat(),
        horizon_days=horizon_days,
        label=label,
        label_window_days=result.plan.label_window_days,
        n_train=result.n_train,
        backtest={
            "auc": result.metrics["auc"],
            "holdout_cutoff": result.plan.holdout_cutoff.isoformat(),
        },
        notes=notes,
    )
    return report


def format_evaluation(result: dict) -> str:
    """Render an :func:`evaluate` result as a plain-text table."""
    names = list(result["auc"])
    lines = [
        f"label {result['label']!r} over {result['horizon_days']} days after "
        f"{result['cutoff'][:10]}: n={result['n']:,}, label rate {result['label_rate']:.1%}",
        "",
        f"{'':<10}" + "".join(f"{title:>10}" for _, title in _METRICS),
    ]
    for name in names:
        cells = "".join(f"{_cell(result[key][name]):>10}" for key, _ in _METRICS)
        lines.append(f"{name:<10}{cells}")
    lines.append("")
    lines.append(
        f"trained on {result['n_train']:,} rows with "
        f"{result['label_window_days']}-day label windows"
    )
    lines += [f"note: {note}" for note in result.get("notes", [])]
    return "\n".join(lines)


def _cell(value) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.3f}"
    )
