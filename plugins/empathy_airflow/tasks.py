"""The nightly DAG's Airflow tasks: thin wrappers that call the pipeline stages.

Tasks pass only small summaries and file locations through XCom; the data stays in the
run directory (``<data_dir>/runs/<logical date>/``).

A failure that a retry cannot fix (a failed quality gate, refused credentials, bad
configuration, the CRM's spent daily allowance) fails the task at once
(``AirflowFailException``) instead of spending the DAG's retries on it.
"""

from __future__ import annotations

import functools
import importlib

from airflow.sdk import task
from airflow.sdk.exceptions import AirflowFailException

from empathy_engine.connectors.retry import DailyAllowanceSpent
from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.core.errors import ConfigError, CrmAuthError, DataQualityError

from .context import config_from_context, run_date_from_context

#: errors a retry in a few minutes cannot fix, and what to do instead
NOT_RETRIED = {
    DataQualityError: "fix the data named above in the CRM (or the suite), then clear the task",
    CrmAuthError: "fix the Airflow connection's credentials or scopes, then clear the task",
    ConfigError: "fix the setting named above, then clear the task",
    DailyAllowanceSpent: "clear the task when the CRM's daily allowance is free again; "
                         "written tasks are never duplicated",
}


def fail_fast(fn):
    """Turn the errors in ``NOT_RETRIED`` into ``AirflowFailException`` (no retries)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except tuple(NOT_RETRIED) as exc:
            fix = next(v for k, v in NOT_RETRIED.items() if isinstance(exc, k))
            raise AirflowFailException(
                f"{exc} [{type(exc).__name__}: not retried, a retry cannot fix this; {fix}]"
            ) from exc
    return run


def _stage(name: str):
    """A pipeline stage module, imported when a task runs: DAG parsing stays light."""
    return importlib.import_module(f"empathy_engine.stages.{name}")


def _paths() -> tuple[PipelineConfig, RunPaths]:
    config = config_from_context()
    return config, RunPaths.of(config, run_date_from_context())


@task
@fail_fast
def extract_crm(crm: str) -> dict:
    """Pull what changed in one CRM into its store, and its snapshot into the run directory."""
    from .crm import crm_io

    config, paths = _paths()
    stage = _stage("extract")
    return stage.extract(crm_io(crm).source, crm, paths, full_refresh=config.full_refresh,
                         keep_text=config.keep_text)


@task
@fail_fast
def validate_raw(extracted: list[dict]) -> list[str]:
    """Great Expectations on the raw pull; fails the run (nothing written) when it fails."""
    _, paths = _paths()
    crms = [item["crm"] for item in extracted]
    _stage("quality").validate_raw(paths, crms)
    return crms


@task
@fail_fast
def build_features(crms: list[str]) -> dict:
    config, paths = _paths()
    return _stage("features").build(paths, crms, config)


@task
@fail_fast
def score_contacts(_features: dict) -> dict:
    config, paths = _paths()
    return _stage("score").score(paths, config)


@task
@fail_fast
def decide_actions(_scores: dict, crms: list[str]) -> dict:
    config, paths = _paths()
    return _stage("decide").decide(paths, crms, config)


@task
@fail_fast
def validate_decisions(_decisions: dict) -> bool:
    _, paths = _paths()
    return _stage("quality").validate_decisions(paths)["success"]


@task
@fail_fast
def write_back_crm(crm: str, _gate: bool) -> dict:
    """Upsert this CRM's tasks (skipped in a dry run)."""
    from .crm import crm_io

    config, paths = _paths()
    sink = None if config.dry_run else crm_io(crm, ledger_url=config.task_ledger_url).sink
    return _stage("write_back").write_back(sink, crm, paths, dry_run=config.dry_run)


@task
@fail_fast
def report_run(extracted: list[dict], feats: dict, scores: dict, decisions: dict,
               written: list[dict]) -> str:
    """Write report.json / report.md and return the Markdown (shown in the task's XCom)."""
    _, paths = _paths()
    report = _stage("report")
    result = report.build_report(paths, {"extract": list(extracted), "features": feats,
                                         "score": scores, "decide": decisions,
                                         "write_back": list(written)})
    return report.render_markdown(result)
