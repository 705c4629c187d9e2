"""The result of one data-quality gate, in words a data engineer can act on.

:class:`QualityReport` is plain data (no Great Expectations objects), so it can be logged,
written to JSON for the run report, and raised as :class:`empathy.errors.DataQualityError`.
:func:`describe_failure` turns one failed GX expectation result into one line: which
expectation, which column, how many rows, a few example values, and how to fix it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from empathy_engine.core.errors import DataQualityError

MAX_EXAMPLES = 3
MAX_VALUE_CHARS = 40


@dataclass(frozen=True)
class QualityReport:
    """What one suite found in one table.

    ``statistics`` holds ``evaluated``, ``successful`` and ``unsuccessful`` (expectation counts)
    and ``rows`` (rows validated); ``failures`` holds one human-readable line per failure.
    """

    suite: str
    success: bool
    statistics: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (for the run report and logs)."""
        return {
            "suite": self.suite,
            "success": self.success,
            "statistics": dict(self.statistics),
            "failures": list(self.failures),
        }

    def summary(self) -> str:
        """Return one line such as ``decisions: 2 of 18 expectations failed on 120 rows``."""
        stats = self.statistics
        verdict = "passed" if self.success else "failed"
        count = stats.get("evaluated", 0) if self.success else stats.get("unsuccessful", 0)
        return (
            f"{self.suite}: {count} of {stats.get('evaluated', 0)} expectations {verdict}"
            f" on {stats.get('rows', 0)} rows"
        )

    def raise_for_failure(self) -> QualityReport:
        """Raise :class:`DataQualityError` naming every failure; return ``self`` on success."""
        if self.success:
            return self
        lines = "\n".join(f"  - {line}" for line in self.failures)
        raise DataQualityError(
            f"Data-quality gate {self.suite!r} failed, so nothing is written to the CRM. "
            f"{self.summary()}:\n{lines}"
        )


def describe_failure(result: Any, df: pd.DataFrame, id_column: str | None = None) -> str:
    """Describe one failed ``ExpectationValidationResult`` in one line."""
    config = result.expectation_config
    rule = config.description or config.type.replace("_", " ")
    line = f"{rule} [{config.type}{_target(config.kwargs)}]: {_problem(result, df, id_column)}"
    fix = (config.meta or {}).get("fix")
    return f"{line}. Fix: {fix}" if fix else f"{line}."


def _target(kwargs: dict[str, Any]) -> str:
    """Describe the column(s) and row condition an expectation applies to."""
    parts = []
    if kwargs.get("column"):
        parts.append(f"column {kwargs['column']!r}")
    if kwargs.get("column_list"):
        parts.append(f"columns {', '.join(map(repr, kwargs['column_list']))}")
    if kwargs.get("row_condition"):
        parts.append(f"where {_condition(kwargs['row_condition'])}")
    return "".join(f", {part}" for part in parts)


def _condition(condition: Any) -> str:
    """Render a GX row condition (an object, or its JSON dict) as ``a == 1 AND b == 'x'``."""
    if not isinstance(condition, dict):
        return str(condition)
    if "conditions" in condition:
        joiner = f" {str(condition.get('type', 'and')).upper()} "
        return joiner.join(_condition(part) for part in condition["conditions"])
    column = condition.get("column", {})
    name = column.get("name") if isinstance(column, dict) else column
    if "operator" in condition:
        return f"{name} {condition['operator']} {condition.get('parameter')!r}"
    return f"{name} is {'null' if condition.get('is_null') else 'not null'}"


def _problem(result: Any, df: pd.DataFrame, id_column: str | None) -> str:
    """Say what went wrong: an exception, failing rows, or an observed table-level value."""
    message = _exception_message(result.exception_info)
    if message:
        return f"could not be checked: {message}"
    details = result.result or {}
    if "unexpected_count" in details:
        return _failing_rows(details, df, id_column)
    missing = details.get("details", {}).get("mismatched", {}).get("missing")
    if missing:
        return f"missing columns {sorted(missing)}"
    return f"observed {_short(details.get('observed_value'))}"


def _exception_message(info: Any) -> str | None:
    """Find the first exception message in GX's (possibly nested) ``exception_info``."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        message = str(info.get("exception_message") or "unknown error")
        return message.removeprefix("Error: ").rstrip(". ")
    for value in info.values():
        found = _exception_message(value)
        if found:
            return found
    return None


def _failing_rows(details: dict[str, Any], df: pd.DataFrame, id_column: str | None) -> str:
    """Count failing rows and show a few examples with the id of their row."""
    count, total = details.get("unexpected_count", 0), details.get("element_count", 0)
    text = f"{count} of {total} rows fail"
    examples = _examples(
        details.get("partial_unexpected_list") or [],
        details.get("partial_unexpected_index_list") or [],
        df,
        id_column,
    )
    return f"{text}, e.g. {'; '.join(examples)}" if examples else text


def _examples(values: list, indexes: list, df: pd.DataFrame, id_column: str | None) -> list[str]:
    """Pair example values with the id of their row, without repeating an example."""
    examples: list[str] = []
    for position, value in enumerate(values):
        index = indexes[position] if position < len(indexes) else None
        example = _example(value, index, df, id_column)
        if example not in examples:
            examples.append(example)
        if len(examples) == MAX_EXAMPLES:
            break
    return examples


def _example(value: Any, index: Any, df: pd.DataFrame, id_column: str | None) -> str:
    """Format one failing value, plus which row it came from when that can be told."""
    shown = "null" if _is_missing(value) else _short(value)
    if index is None:
        return shown
    if id_column and id_column in df.columns and index in df.index:
        row_id = df.at[index, id_column]
        if not _is_missing(row_id):
            return f"{shown} ({id_column} {_short(row_id)})"
    return f"{shown} (row {index})"


def _is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    if isinstance(value, dict | list | tuple):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return isinstance(value, float) and math.isnan(value)


def _short(value: Any) -> str:
    """Render a value compactly, truncating long strings."""
    if isinstance(value, dict):
        return "(" + ", ".join(f"{key}={_short(item)}" for key, item in value.items()) + ")"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
