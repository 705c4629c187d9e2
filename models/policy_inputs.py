"""What the empathy policy reads: its input table and settings, checked and defaulted.

Missing values fail safe: a missing opt-out counts as opted out, missing counts as zero, a
missing tone as neutral. Bad settings raise ``ConfigError`` naming the setting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from empathy_engine.core.errors import ConfigError, DataQualityError
from empathy_engine.core.schema import POLICY_FEATURES

MonthDay = tuple[int, int]
QuietPeriod = tuple[MonthDay, MonthDay]
REQUIRED_COLUMNS = ("contact_key", "probability", *POLICY_FEATURES)


def checked_input(scored: pd.DataFrame) -> pd.DataFrame:
    """Check the scored table's shape; return it with a clean index."""
    missing = [column for column in REQUIRED_COLUMNS if column not in scored.columns]
    if missing:
        raise DataQualityError(
            f"the policy's input lacks columns {missing}; it needs contact_key, probability "
            "and empathy.schema.POLICY_FEATURES (produced by the features and score stages)."
        )
    frame = scored.reset_index(drop=True)
    duplicated = frame["contact_key"][frame["contact_key"].duplicated()]
    if len(duplicated):
        raise DataQualityError(
            f"the policy's input has {len(duplicated)} duplicate contact_key values (e.g. "
            f"{list(duplicated.head(3))}); features and scores must have one row per contact."
        )
    probability = pd.to_numeric(frame["probability"], errors="coerce")
    bad = frame["contact_key"][probability.isna() | (probability < 0) | (probability > 1)]
    if len(bad):
        raise DataQualityError(
            f"{len(bad)} probabilities are missing or outside [0, 1] (e.g. contacts "
            f"{list(bad.head(3))}); score with the calibrated model's predict_proba."
        )
    return frame


def count_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A count column as floats, missing values as zero."""
    return number_column(frame, column, 0.0)


def number_column(frame: pd.DataFrame, column: str, missing: float) -> np.ndarray:
    """A numeric column as floats with missing values replaced."""
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return values.fillna(missing).to_numpy()


def flag_column(frame: pd.DataFrame, column: str, *, missing: bool) -> np.ndarray:
    """A boolean column, with missing values replaced by ``missing``."""
    values = frame[column].astype(object)
    return values.where(values.notna(), missing).astype(bool).to_numpy()


def date_of_month_day(year: int, month_day: MonthDay) -> dt.date:
    """``datetime.date`` for a (month, day), with 29 February falling back to the 28th."""
    month, day = month_day
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, month, 28)


def check_share(name: str, value: float, *, upper_open: bool = False) -> None:
    """A probability-like setting must be a number in [0, 1] (or [0, 1))."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    ok = ok and 0.0 <= value and (value < 1.0 if upper_open else value <= 1.0)
    if not ok:
        interval = "[0, 1)" if upper_open else "[0, 1]"
        raise ConfigError(f"{name}={value!r} must be a number in {interval}.")


def check_count(name: str, value: int, *, minimum: int) -> None:
    """A count setting must be a whole number of at least ``minimum``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{name}={value!r} must be a whole number >= {minimum}.")


def checked_quiet_periods(periods: Sequence) -> tuple[QuietPeriod, ...]:
    """Check quiet periods are ((month, day), (month, day)) of real days; return them as tuples."""
    checked = []
    for period in periods:
        try:
            (start_month, start_day), (end_month, end_day) = period
            for month, day in ((start_month, start_day), (end_month, end_day)):
                dt.date(2000, int(month), int(day))  # a leap year, so 29 February is allowed
        except (TypeError, ValueError) as error:
            raise ConfigError(
                f"quiet period {period!r} is not ((month, day), (month, day)); write late "
                "December to 2 January as ((12, 22), (1, 2))."
            ) from error
        checked.append(((int(start_month), int(start_day)), (int(end_month), int(end_day))))
    return tuple(checked)
