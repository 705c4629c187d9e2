"""Train the engagement-drop model with an honest, strictly out-of-time backtest.

Time line for a training run at ``cutoff`` with label window ``W`` (normally the horizon)::

    first activity ... c_k ... c_1  c_0 |--W--| holdout_cutoff |--W--| cutoff
                       training cutoffs          features here,   labels here

Training examples are built at several past cutoffs ``c_0 > c_1 > ...``, each labelled on the
window after it; every training label window ends at or before ``holdout_cutoff``. The model
is then scored on the held-out later period: features as of ``holdout_cutoff``, labels from
``[holdout_cutoff, cutoff)``. Baselines are scored on exactly the same rows.
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from empathy_engine.core.errors import ModelError
from empathy_engine.models.baselines import Baselines
from empathy_engine.models.features import build_features, feature_names, prepare, to_utc_timestamp
from empathy_engine.models.labels import make_labels
from empathy_engine.models.metrics import score_forecast
from empathy_engine.models.model import EngagementDropModel, fit_model

#: the shortest label window worth learning from
MIN_WINDOW_DAYS = 3
#: history a contact needs before the first training cutoff
MIN_HISTORY_DAYS = 14


@dataclass(frozen=True)
class BacktestPlan:
    """Where the training and held-out windows fall in time."""

    cutoff: pd.Timestamp
    holdout_cutoff: pd.Timestamp
    label_window_days: int
    training_cutoffs: tuple
    notes: tuple = ()


def plan_backtest(
    first_activity, cutoff, horizon_days: int, *, max_cutoffs: int = 6, step_days: int | None = None
) -> BacktestPlan:
    """Place the training cutoffs and the held-out window before ``cutoff``.

    When the history is too short for two full horizons (one to train, one to hold out), the
    label window shrinks to the longest that fits, and the plan says so in ``notes``.
    """
    cutoff, first = to_utc_timestamp(cutoff), to_utc_timestamp(first_activity)
    history = (cutoff - first) / pd.Timedelta(days=1)
    window, notes = int(horizon_days), []
    if history < MIN_HISTORY_DAYS + 2 * horizon_days:
        window = int(math.floor((history - MIN_HISTORY_DAYS) / 2))
        if window < MIN_WINDOW_DAYS:
            raise ModelError(
                f"only {history:.0f} days of history before {cutoff:%Y-%m-%d}; training needs at "
                f"least {MIN_HISTORY_DAYS + 2 * MIN_WINDOW_DAYS} days (features, a training "
                "label window and a held-out window). Use a later cutoff or more history."
            )
        notes.append(
            f"history of {history:.0f} days is shorter than the {MIN_HISTORY_DAYS} + 2 x "
            f"{horizon_days} days a {horizon_days}-day horizon needs; trained and evaluated on "
            f"{window}-day label windows instead"
        )
    holdout = cutoff - pd.Timedelta(days=window)
    step = pd.Timedelta(days=step_days or max(7, window // 3))
    cutoffs = []
    candidate = holdout - pd.Timedelta(days=window)
    while len(cutoffs) < max_cutoffs and candidate - first >= pd.Timedelta(days=MIN_HISTORY_DAYS):
        cutoffs.append(candidate)
        candidate -= step
    return BacktestPlan(cutoff, holdout, window, tuple(cutoffs), tuple(notes))


@dataclass
class TrainingResult:
    """A trained model and how it did on the held-out later period.

    Attributes
    ----------
    model : EngagementDropModel
    metrics : dict
        ``{"auc", "pr_auc", "brier", "ece", "n", "label_rate"}`` of the model on the held-out
        rows.
    baselines : dict
        The same metrics per baseline (``recency``, ``trend``, ``rfm``, ``bgnbd``).
    notes : list of str
        Anything the reader must know (shortened windows, refits, sampling).
    plan : BacktestPlan
    holdout : pandas.DataFrame
        Held-out features with ``label`` and ``probability`` (for reports and promotion).
    """

    model: EngagementDropModel
    metrics: dict
    baselines: dict
    notes: list = field(default_factory=list)
    plan: BacktestPlan | None = None
    holdout: pd.DataFrame | None = None
    label: str = "inactive"
    horizon_days: int = 28
    n_train: int = 0
    fitted_baselines: Baselines | None = None

    def summary(self) -> dict:
        """A JSON-serialisable digest: metrics, baselines, windows and notes."""
        return {
            "label": self.label,
            "horizon_days": self.horizon_days,
            "label_window_days": self.plan.label_window_days,
            "holdout_cutoff": self.plan.holdout_cutoff.isoformat(),
            "cutoff": self.plan.cutoff.isoformat(),
            "training_cutoffs": [c.isoformat() for c in self.plan.training_cutoffs],
            "n_train": self.n_train,
            "metrics": self.metrics,
            "baselines": self.baselines,
            "notes": list(self.notes),
        }


def labelled_examples(con, cutoffs, *, window: int, label: str, drop_share: float):
    """Features at each cutoff with the label of the window that follows it."""
    frames = []
    for cutoff in cutoffs:
        features = build_features(None, None, cutoff, con=con)
        labels = make_labels(
            con,
            features["contact_key"],
            cutoff,
            horizon_days=window,
            label=label,
            drop_share=drop_share,
        )
        frames.append(features.assign(label=labels.to_numpy(), cutoff=cutoff))
    return pd.concat(frames, ignore_index=True)


def first_activity(con) -> pd.Timestamp:
    """The earliest activity timestamp in the prepared data."""
    first = con.execute("SELECT epoch_us(min(ts)) FROM scored").fetchone()[0]
    if first is None:
        raise ModelError("the activity table is empty; there is nothing to learn from")
    return pd.Timestamp(first, unit="us", tz="UTC")


def train(
    activities,
    contacts,
    cutoff,
    horizon_days: int = 28,
    label: str = "inactive",
    seed: int = 0,
    *,
    drop_share: float = 0.5,
    max_cutoffs: int = 6,
    max_train_rows: int = 400_000,
    refit: bool = False,
    con=None,
) -> TrainingResult:
    """Train on past cutoffs and report on the held-out period that ends at ``cutoff``.

    Parameters
    ----------
    activities, contacts
        Canonical tables (DataFrames, Arrow tables or Parquet paths); ``contacts`` may be
        None. Activity at or after ``cutoff`` is never read.
    cutoff : datetime-like
        The end of the usable history ("now" for a nightly run).
    horizon_days : int, default 28
        The label window: how far ahead an engagement drop is predicted.
    label : {"inactive", "drop"}
    seed : int, default 0
    drop_share : float, default 0.5
        Threshold of the ``drop`` label.
    max_cutoffs : int, default 6
        How many past training cutoffs to stack.
    max_train_rows : int, default 400000
        Training rows are sampled down to this many (bounded time and memory).
    refit : bool, default False
        After measuring, refit on the training and held-out rows together. The reported
        metrics stay those of the measured model; a refitted model has seen the held-out
        period, so the registry cannot compare it with a champion on that period.
    con : duckdb.DuckDBPyConnection, optional
        A connection from :func:`models.features.prepare` to reuse.

    Returns
    -------
    TrainingResult
    """
    con = con or prepare(activities, contacts)
    plan = plan_backtest(first_activity(con), cutoff, horizon_days, max_cutoffs=max_cutoffs)
    if not plan.training_cutoffs:
        raise ModelError("no training cutoff fits before the held-out window; add history")
    notes = list(plan.notes)
    examples = dict(window=plan.label_window_days, label=label, drop_share=drop_share)
    training = labelled_examples(con, plan.training_cutoffs, **examples)
    training = _sample(training, max_train_rows, seed, notes)
    metadata = _metadata(plan, label, horizon_days, seed, len(training))
    model = fit_model(
        training,
        training["label"],
        feature_names=_inputs(training),
        label=label,
        random_state=seed,
        metadata=metadata,
    )
    holdout = labelled_examples(con, [plan.holdout_cutoff], **examples)
    holdout["probability"] = model.predict_drop(holdout)
    fitted = Baselines(
        horizon_days=plan.label_window_days, label=label, random_state=seed
    ).fit(training, training["label"])
    metrics, baselines = measure(fitted, holdout)
    model.metadata_.update(metrics=metrics, baselines=baselines, notes=notes)
    if refit:
        model = _refit(training, holdout, seed, model.metadata_, notes)
    return TrainingResult(
        model, metrics, baselines, notes, plan, holdout, label, horizon_days, len(training), fitted
    )


def measure(fitted: Baselines, holdout: pd.DataFrame, horizon_days=None):
    """Metrics of the model (``holdout["probability"]``) and of each baseline, same rows."""
    labels = holdout["label"].to_numpy()
    metrics = score_forecast(labels, holdout["probability"].to_numpy())
    metrics.update(n=int(len(holdout)), label_rate=float(labels.mean()) if len(labels) else 0.0)
    baselines = {
        name: score_forecast(labels, probability, ranking=raw)
        for name, (raw, probability) in fitted.predict(holdout, horizon_days=horizon_days).items()
    }
    return metrics, baselines


def _refit(training, holdout, seed, metadata, notes):
    both = pd.concat([training, holdout.drop(columns="probability")], ignore_index=True)
    notes.append(f"refitted on {len(both)} rows including the held-out period")
    metadata = {**metadata, "refit": True, "n_train": len(both)}
    return fit_model(
        both,
        both["label"],
        feature_names=_inputs(both),
        label=metadata.get("label", "inactive"),
        random_state=seed,
        metadata=metadata,
    )


def _inputs(examples: pd.DataFrame) -> list[str]:
    return feature_names(examples.drop(columns=["label", "cutoff"], errors="ignore"))


def _sample(training: pd.DataFrame, max_rows: int, seed: int, notes: list) -> pd.DataFrame:
    if len(training) <= max_rows:
        return training
    notes.append(f"sampled {max_rows} of {len(training)} training rows")
    return training.sample(n=max_rows, random_state=seed).reset_index(drop=True)


def _metadata(plan: BacktestPlan, label: str, horizon_days: int, seed: int, n_train: int):
    return {
        "label": label,
        "horizon_days": horizon_days,
        "label_window_days": plan.label_window_days,
        "data_window": {
            "first_training_cutoff": min(plan.training_cutoffs).isoformat(),
            "holdout_cutoff": plan.holdout_cutoff.isoformat(),
            "cutoff": plan.cutoff.isoformat(),
        },
        "training_label_end": (
            max(plan.training_cutoffs) + pd.Timedelta(days=plan.label_window_days)
        ).isoformat(),
        "n_train": n_train,
        "seed": seed,
        "code_version": code_version(),
        "trained_at": pd.Timestamp.now(tz="UTC").isoformat(),
    }


def code_version() -> str:
    """The package version, plus the git commit when running from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        text = version("empathy-engine")
    except PackageNotFoundError:
        text = "unknown"
    commit = _git_commit(Path(__file__).resolve().parent.parent)
    return f"{text}+g{commit}" if commit else text


def _git_commit(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""
