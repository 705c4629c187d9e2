"""An HTML report per training run: metrics against baselines and four plots.

ROC curves (model and baselines), calibration curve, score distribution by outcome, and
permutation importance on a sample of the held-out rows. Images are embedded, so the report
is one self-contained file saved beside the model.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on workers
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.inspection import permutation_importance  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from empathy_engine.models.model import as_matrix  # noqa: E402

#: held-out rows used for permutation importance (it refits nothing but predicts many times)
IMPORTANCE_ROWS = 3000


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def roc_plot(result) -> str:
    """ROC curves of the model and the baselines on the held-out rows."""
    holdout, labels = result.holdout, result.holdout["label"].to_numpy()
    figure, axis = plt.subplots(figsize=(5, 4))
    curves = {"model": holdout["probability"].to_numpy()}
    if result.fitted_baselines is not None:
        curves.update({k: raw for k, (raw, _) in result.fitted_baselines.predict(holdout).items()})
    for name, score in curves.items():
        fpr, tpr, _ = roc_curve(labels, score)
        axis.plot(fpr, tpr, label=name, linewidth=2 if name == "model" else 1)
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
    axis.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    axis.legend(loc="lower right")
    return _png(figure)


def calibration_plot(result) -> str:
    """Observed drop rate against predicted probability, in ten bins."""
    labels, probability = result.holdout["label"], result.holdout["probability"]
    observed, predicted = calibration_curve(labels, probability, n_bins=10, strategy="quantile")
    figure, axis = plt.subplots(figsize=(5, 4))
    axis.plot(predicted, observed, marker="o", label="model")
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    axis.set(xlabel="predicted probability", ylabel="observed rate", title="Calibration")
    axis.legend(loc="upper left")
    return _png(figure)


def distribution_plot(result) -> str:
    """Histogram of predicted probabilities for contacts who did and did not drop."""
    figure, axis = plt.subplots(figsize=(5, 4))
    for value, name in ((0, "stayed"), (1, "dropped")):
        scores = result.holdout.loc[result.holdout["label"] == value, "probability"]
        axis.hist(scores, bins=30, range=(0, 1), alpha=0.6, label=name)
    axis.set(xlabel="predicted probability", ylabel="contacts", title="Score distribution")
    axis.legend()
    return _png(figure)


def importance_table(result, *, seed: int = 0) -> pd.Series:
    """Mean drop in ROC-AUC when each feature is shuffled, on a held-out sample."""
    model = result.model
    sample = result.holdout.sample(n=min(IMPORTANCE_ROWS, len(result.holdout)), random_state=seed)
    matrix = as_matrix(sample, model.feature_names_in_)
    found = permutation_importance(
        model.pipeline_,
        matrix,
        sample["label"].to_numpy(),
        scoring="roc_auc",
        n_repeats=3,
        random_state=seed,
    )
    return pd.Series(found.importances_mean, index=model.feature_names_in_).sort_values()


def importance_plot(importances: pd.Series, top: int = 15) -> str:
    """Horizontal bars for the most important features."""
    shown = importances.tail(top)
    figure, axis = plt.subplots(figsize=(6, 0.3 * len(shown) + 1))
    axis.barh(shown.index, shown.to_numpy())
    axis.set(xlabel="ROC-AUC lost when shuffled", title="Permutation importance")
    return _png(figure)


def _metrics_table(result) -> str:
    rows = {"model": result.metrics, **result.baselines}
    head = "<tr><th></th><th>ROC-AUC</th><th>PR-AUC</th><th>Brier</th><th>ECE</th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(name)}</td>"
        + "".join(f"<td>{m[key]:.3f}</td>" for key in ("auc", "pr_auc", "brier", "ece"))
        + "</tr>"
        for name, m in rows.items()
    )
    return f"<table>{head}{body}</table>"


def write_report(result, path) -> Path:
    """Write the HTML report of a :class:`~models.training.TrainingResult` to ``path``."""
    path = Path(path)
    summary = result.summary()
    images = [
        roc_plot(result),
        calibration_plot(result),
        distribution_plot(result),
        importance_plot(importance_table(result)),
    ]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary["notes"]) or "<li>none</li>"
    figures = "".join(f'<img src="data:image/png;base64,{image}">' for image in images)
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Engagement-drop model report</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;text-align:right}}
img{{margin:8px;border:1px solid #ddd}}</style></head><body>
<h1>Engagement-drop model</h1>
<p>label <b>{html.escape(summary["label"])}</b>, horizon {summary["horizon_days"]} days
(label windows of {summary["label_window_days"]} days); held out
{summary["holdout_cutoff"][:10]} → {summary["cutoff"][:10]};
{summary["n_train"]:,} training rows; {result.metrics["n"]:,} held-out contacts,
drop rate {result.metrics["label_rate"]:.1%}.</p>
{_metrics_table(result)}
<h2>Notes</h2><ul>{notes}</ul>
<h2>Plots</h2>{figures}
</body></html>"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
