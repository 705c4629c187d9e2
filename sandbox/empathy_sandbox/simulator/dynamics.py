"""How hidden states evolve: the weekly calendar, seasonality, per-person transition matrices
and the effect of actions on them.

Weeks start on Monday 00:00 UTC and are numbered from a fixed epoch, so every week has its own
random stream (``week_rng``): regenerating or extending a world never shifts another week's
draws, which is what makes ``advance`` deterministic.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from empathy_sandbox.simulator.config import SimConfig
from empathy_sandbox.simulator.world import STATES

EPOCH = np.datetime64("2000-01-03T00:00:00", "ns")  # a Monday
WEEK_NS = 7 * 86_400 * 10**9
DAY_NS = 86_400 * 10**9
ENGAGED, DRIFTING, FRUSTRATED, OVERWHELMED, GONE = range(len(STATES))

# Independent random streams; the week number is the second part of each seed.
STREAM_POPULATION, STREAM_INITIAL, STREAM_TRANSITION, STREAM_ACTIVITY, STREAM_ACTIONS = range(
    1, 6)


def week_rng(seed: int, stream: int, week: int = 0) -> np.random.Generator:
    """The generator of one (seed, stream, week); identical whenever it is asked for."""
    return np.random.default_rng([int(seed), stream, int(week)])


def to_ns(ts: datetime) -> int:
    """Nanoseconds since 1970 for an aware (or naive = UTC) datetime."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return int(round(ts.timestamp() * 1e6)) * 1000


def week_of(ns: int | np.ndarray) -> int | np.ndarray:
    """Week number containing the instant(s) ``ns``."""
    return (np.asarray(ns) - EPOCH.astype(np.int64)) // WEEK_NS


def week_start_ns(week: int | np.ndarray) -> int | np.ndarray:
    """First instant of week number ``week``."""
    return EPOCH.astype(np.int64) + np.asarray(week) * WEEK_NS


def day_weights(config: SimConfig, first_day_ns: int, n_days: int) -> np.ndarray:
    """Relative activity of each day (weekday pattern x holiday quiet periods); 1 = normal."""
    days = (np.int64(first_day_ns) + np.arange(n_days) * DAY_NS).astype("datetime64[ns]")
    dow = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mday = (days.astype("datetime64[D]") - days.astype("datetime64[M]")).astype(np.int64) + 1
    md = month * 100 + mday
    weights = config.weekday_weights[dow].copy()
    for period in config.section("seasonality")["quiet_periods"]:
        lo, hi = (int(period[k].replace("-", "")) for k in ("start", "end"))
        quiet = (md >= lo) & (md <= hi) if lo <= hi else (md >= lo) | (md <= hi)
        weights[quiet] *= period["factor"]
    return weights


def person_matrices(config: SimConfig, traits: dict) -> np.ndarray:
    """(N, 5, 5) weekly transition matrices with each person's risk and outreach fatigue."""
    base = config.transitions
    fatigue = traits["outreach"] ** config.section("heterogeneity")["fatigue_exponent"]
    mats = np.broadcast_to(base, (len(fatigue), 5, 5)).copy()
    away = np.ones((5, 5), dtype=bool)
    away[:, ENGAGED] = False
    np.fill_diagonal(away, False)
    mats[:, away] *= traits["risk"][:, None]  # flakier people leave "engaged" faster
    into_overwhelmed = np.arange(5) != OVERWHELMED
    mats[:, into_overwhelmed, OVERWHELMED] *= fatigue[:, None]
    mats[:, OVERWHELMED, GONE] *= fatigue
    off = ~np.eye(5, dtype=bool)
    leave = np.where(off, mats, 0.0).sum(axis=2)
    scale = np.minimum(1.0, 0.98 / np.maximum(leave, 1e-12))  # keep some chance of staying
    mats = np.where(off, mats * scale[:, :, None], 0.0)
    idx = np.arange(5)
    mats[:, idx, idx] = 1.0 - mats.sum(axis=2)
    return mats


def action_multipliers(config: SimConfig, n: int, actions: dict, state_hist: np.ndarray,
                       hist_week0: int, week: int, before_ns: int | None = None) -> np.ndarray:
    """(N, 5) multipliers on next-state probabilities for the transition into ``week``.

    ``actions`` holds arrays ``pid``, ``action`` (code), ``ts`` (ns) of every recorded action;
    one takes effect at the first week start after it, for ``effect_weeks`` transitions, with
    the effect of the person's state in the week it was taken. ``before_ns`` ignores actions
    taken at or after that instant (for point-in-time truth).
    """
    mult = np.ones((n, 5))
    if not len(actions["pid"]):
        return mult
    start = week_of(actions["ts"]) + 1
    active = (start <= week) & (week < start + config.section("actions")["effect_weeks"])
    if before_ns is not None:
        active &= actions["ts"] < before_ns
    pid, code = actions["pid"][active], actions["action"][active]
    state = state_hist[start[active] - 1 - hist_week0, pid]
    np.multiply.at(mult, pid, config.effects[code, state])
    return mult


def step(states: np.ndarray, mats: np.ndarray, mult: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """Draw next week's state for everyone at once."""
    rows = mats[np.arange(len(states)), states] * mult
    cum = np.cumsum(rows, axis=1)
    u = rng.random(len(states)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), 4).astype(np.int8)
