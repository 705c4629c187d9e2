"""The HTML training report: metrics and four embedded plots."""

from __future__ import annotations

from empathy_engine.models.model_report import write_report


def test_report_holds_metrics_and_plots(tmp_path, trained):
    path = write_report(trained, tmp_path / "report.html")
    page = path.read_text()
    assert page.count("data:image/png;base64,") == 4
    assert "ROC-AUC" in page and "recency" in page and "bgnbd" in page
