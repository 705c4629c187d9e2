"""Run the suites in ``expectations/*.json`` on a pandas DataFrame.

Great Expectations runs in one EPHEMERAL context per process (nothing is written to disk),
created on first use and reused: importing GX and building the context is slow, and the
suites do not change while a process runs. Nothing is loaded at import time.

>>> report = validate_decisions(decisions)          # doctest: +SKIP
>>> report.raise_for_failure()                       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from empathy_engine.expectations.quality_report import QualityReport, describe_failure
from empathy_engine.expectations.suites import build_suite, id_column

if TYPE_CHECKING:
    import great_expectations as gx

DATASOURCE = "empathy_pandas"
#: Enough detail for examples in the report, without copying whole columns into memory.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}

_LOCK = threading.RLock()


def validate_activities(df: pd.DataFrame, run_time: Any = None) -> QualityReport:
    """Validate raw canonical activity (``empathy.schema.ACTIVITIES``).

    ``run_time`` is the end of the run's data interval (default: now); no activity may be
    later. A bare ``datetime.date`` means the end of that day, UTC. Naive times are UTC.
    """
    column = df["ts"] if "ts" in df.columns else None
    parameters = {"run_time": run_time_parameter(run_time, column)}
    return validate("activities", df, parameters)


def validate_contacts(df: pd.DataFrame) -> QualityReport:
    """Validate canonical contacts (``empathy.schema.CONTACTS``)."""
    return validate("contacts", df)


def validate_decisions(df: pd.DataFrame) -> QualityReport:
    """Validate the policy's decisions (``empathy.schema.DECISIONS``): the write-back gate."""
    return validate("decisions", df)


def validate(
    suite: str, df: pd.DataFrame, parameters: dict[str, Any] | None = None
) -> QualityReport:
    """Run the suite named ``suite`` on ``df`` and return a :class:`QualityReport`."""
    frame = df.reset_index(drop=True)  # row numbers in the report then mean something
    with _LOCK:
        definition = _validation_definition(suite)
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters or None,
            result_format=RESULT_FORMAT,
        )
    failed = [r for r in _in_suite_order(result.results, definition.suite) if not r.success]
    stats = result.statistics
    return QualityReport(
        suite=suite,
        success=bool(result.success),
        statistics={
            "evaluated": int(stats["evaluated_expectations"]),
            "successful": int(stats["successful_expectations"]),
            "unsuccessful": int(stats["unsuccessful_expectations"]),
            "rows": len(frame),
        },
        failures=[describe_failure(r, frame, id_column(suite)) for r in failed],
    )


def run_time_parameter(run_time: Any, column: pd.Series | None = None) -> pd.Timestamp:
    """Turn ``run_time`` into a timestamp comparable with ``column`` (tz-aware or naive)."""
    if run_time is None:
        stamp = pd.Timestamp.now(tz="UTC")
    elif isinstance(run_time, dt.date) and not isinstance(run_time, dt.datetime):
        stamp = pd.Timestamp(run_time) + pd.Timedelta(days=1)  # the whole run date counts
    else:
        stamp = pd.Timestamp(run_time)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    naive_column = column is not None and pd.api.types.is_datetime64_dtype(column.dtype)
    if naive_column and getattr(column.dtype, "tz", None) is None:
        return stamp.tz_localize(None)
    return stamp


def _in_suite_order(results: list, suite: gx.ExpectationSuite) -> list:
    """GX returns results in its own order; report them in the order of the JSON file."""
    position = {expectation.id: i for i, expectation in enumerate(suite.expectations)}
    return sorted(results, key=lambda r: position.get(r.expectation_config.id, len(position)))


@cache
def _context() -> gx.data_context.AbstractDataContext:
    """Create the process-wide ephemeral GX context (no files, no analytics, no progress bars)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.data_sources.add_pandas(DATASOURCE)
    return context


@cache
def _validation_definition(suite: str) -> gx.ValidationDefinition:
    """Register the suite once and return its validation definition (callers hold _LOCK)."""
    import great_expectations as gx

    context = _context()
    asset = context.data_sources.get(DATASOURCE).add_dataframe_asset(suite)
    batch = asset.add_batch_definition_whole_dataframe("whole_table")
    registered = context.suites.add(build_suite(suite))
    definition = gx.ValidationDefinition(name=suite, data=batch, suite=registered)
    return context.validation_definitions.add(definition)
