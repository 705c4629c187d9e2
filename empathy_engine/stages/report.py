"""Stage 8: one run summary (JSON and Markdown) that the CLI prints and Airflow shows."""

from __future__ import annotations

import json

from empathy_engine.core.config import RunPaths


def _read_json(paths: RunPaths, name: str) -> dict:
    path = paths.file(name)
    return json.loads(path.read_text()) if path.exists() else {}


def build_report(paths: RunPaths, stage_results: dict) -> dict:
    """Gather every stage's summary into ``report.json`` and ``report.md``."""
    report = {"run_date": paths.run_date.isoformat(), "run_dir": str(paths.run_dir.resolve()),
              **stage_results,
              "quality": {"raw": _read_json(paths, "quality_raw.json").get("success"),
                          "decisions": _read_json(paths, "quality_decisions.json").get("success")}}
    paths.file("report.json").write_text(json.dumps(report, indent=2, default=str))
    paths.file("report.md").write_text(render_markdown(report))
    return report


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render_markdown(report: dict) -> str:
    """A short human summary: what was pulled, checked, predicted, decided and written."""
    lines = [f"# Empathy Engine run {report['run_date']}", ""]
    for item in report.get("extract", []):
        lines.append(f"- pulled from {item['crm']}: {item['contacts']} contacts, "
                     f"{item['activities']} activities, {item['open_actions']} open actions")
    quality = report["quality"]
    lines.append(f"- data quality: raw {'passed' if quality['raw'] else 'FAILED'}, decisions "
                 f"{'passed' if quality['decisions'] else 'FAILED or not run'}")
    score = report.get("score", {})
    metrics = score.get("metrics", {})
    if metrics:
        baselines = score.get("baselines", {})
        versus = ", ".join(f"{name} {_fmt(m.get('auc'))}" for name, m in baselines.items()
                           if isinstance(m, dict) and m.get("auc") is not None)
        lines.append(f"- model {score.get('model_version')}"
                     f"{' (trained this run)' if score.get('trained') else ''}: held-out ROC-AUC "
                     f"{_fmt(metrics.get('auc'))} (baselines: {versus or 'n/a'}), PR-AUC "
                     f"{_fmt(metrics.get('pr_auc'))}, Brier {_fmt(metrics.get('brier'))}, "
                     f"calibration error {_fmt(metrics.get('ece'))}")
    decide = report.get("decide", {})
    if decide:
        names = {"support_note": "support notes", "offer": "offers",
                 "silence": "holds written", "silence_unwritten": "silent (nothing written)"}
        lines.append("- decisions: " + ", ".join(f"{names.get(k, k)} {v}"
                                                 for k, v in sorted(decide.items())))
    for item in report.get("write_back", []):
        lines.append(f"- written to {item['crm']}: {item['created']} created, {item['updated']} "
                     f"updated, {item['failed']} failed" + (" (dry run)" if item["dry_run"] else ""))
    lines += ["", f"Files: {report['run_dir']}"]
    return "\n".join(lines) + "\n"
