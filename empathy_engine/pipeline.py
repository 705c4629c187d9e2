"""Run the whole nightly pipeline in one process, without Airflow (``empathy run``).

The DAG calls the same stage functions, one Airflow task each; this runner exists for
debugging, the demo's summary and tests that need the stages in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.stages import decide, extract, features, quality, report, score, write_back


@dataclass
class CrmIO:
    """A CRM's reader and writer, built from a connection or the sandbox's info file."""

    source: extract.CrmSource
    sink: write_back.TaskSink


def run_pipeline(config: PipelineConfig, run_date: date, crms: dict[str, CrmIO]) -> dict:
    """extract → validate → features → score → decide → validate → write back → report."""
    paths = RunPaths.of(config, run_date)
    names = list(crms)
    results: dict = {"extract": [extract.extract(io.source, name, paths,
                                                 full_refresh=config.full_refresh,
                                                 keep_text=config.keep_text)
                                 for name, io in crms.items()]}
    quality.validate_raw(paths, names)
    results["features"] = features.build(paths, names, config)
    results["score"] = score.score(paths, config)
    results["decide"] = decide.decide(paths, names, config)
    quality.validate_decisions(paths)
    results["write_back"] = [write_back.write_back(io.sink, name, paths, dry_run=config.dry_run)
                             for name, io in crms.items()]
    return report.build_report(paths, results)
