"""What the simulator knows and the CRM does not: each person's hidden state, the exact
probability that their engagement drops over a horizon, and the action that lowers it most.

A *drop* means a person's inbound activity over the horizon is at most
``floor(drop_fraction x their expected engaged-state count)`` -- none at all for most people.
``p_drop`` is computed exactly (no sampling) by propagating, for everyone at once, the joint
distribution of (hidden state, inbound count so far) through the horizon: counts are Poisson
given the state, and states move by the same per-person weekly matrices the simulation uses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd

from empathy_sandbox.simulator.config import ACTIONS, SimConfig
from empathy_sandbox.simulator.dynamics import (
    DAY_NS,
    ENGAGED,
    action_multipliers,
    day_weights,
    person_matrices,
    to_ns,
    week_of,
)
from empathy_sandbox.simulator.world import STATES, World


def _as_ns(as_of: date | datetime) -> int:
    """Midnight UTC of ``as_of`` (a date, or a datetime whose date is used)."""
    if isinstance(as_of, datetime):
        as_of = as_of.astimezone(UTC).date() if as_of.tzinfo else as_of.date()
    return to_ns(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC))


def inbound_rates(config: SimConfig, traits: dict) -> np.ndarray:
    """(N, 5) expected inbound activities per ordinary week, per hidden state."""
    return traits["activity"][:, None] * config.inbound.sum(axis=0)[None, :]


def thresholds(config: SimConfig, traits: dict, horizon_days: int) -> np.ndarray:
    """Per person: the most inbound activities over the horizon that still count as a drop."""
    baseline = inbound_rates(config, traits)[:, ENGAGED] * horizon_days / 7
    return np.floor(config.section("truth")["drop_fraction"] * baseline).astype(np.int64)


def _segments(config: SimConfig, as_ns: int, horizon_days: int) -> list[tuple[int, float]]:
    """(week, activity mass) for each week the horizon touches; mass 1 = an ordinary week."""
    weights = day_weights(config, as_ns, horizon_days)
    weeks = week_of(as_ns + np.arange(horizon_days) * DAY_NS)
    return [(int(w), float(weights[weeks == w].sum() / 7)) for w in np.unique(weeks)]


def _add_poisson(dist: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Add a Poisson(mu[n, s]) count to dist[n, s, count]; the last bucket means 'or more'."""
    cap = dist.shape[2]
    k = np.arange(cap - 1)
    log_fact = np.cumsum(np.log(np.maximum(k, 1)))
    pmf = np.exp(-mu[..., None] + k * np.log(np.maximum(mu[..., None], 1e-300)) - log_fact)
    out = np.zeros_like(dist)
    for j in range(cap - 1):
        out[..., j:cap - 1] += dist[..., j:j + 1] * pmf[..., :cap - 1 - j]
    out[..., cap - 1] = dist.sum(axis=2) - out[..., :cap - 1].sum(axis=2)
    return out


def p_drop(config: SimConfig, world: World, as_ns: int, horizon_days: int,
           action: str = "silence") -> np.ndarray:
    """Exact probability of a drop over the horizon if everyone got ``action`` at ``as_ns``."""
    ex = world.extra
    n = len(world.people)
    week0 = int(week_of(as_ns))
    state = ex["state_hist"][week0 - ex["hist_week0"]]
    lam = inbound_rates(config, ex["traits"])
    thr = thresholds(config, ex["traits"], horizon_days)
    mats = person_matrices(config, ex["traits"])
    acts = _actions_before(ex["actions"], as_ns, n, action)
    dist = np.zeros((n, len(STATES), int(thr.max()) + 2))
    dist[np.arange(n), state, 0] = 1.0
    for i, (week, mass) in enumerate(_segments(config, as_ns, horizon_days)):
        if i:
            mult = action_multipliers(config, n, acts, ex["state_hist"], ex["hist_week0"], week)
            t = mats * mult[:, None, :]
            dist = np.einsum("nsc,nst->ntc", dist, t / t.sum(axis=2, keepdims=True))
        dist = _add_poisson(dist, lam * mass)
    counts = dist.sum(axis=1)
    return np.clip((counts * (np.arange(counts.shape[1]) <= thr[:, None])).sum(axis=1), 0, 1)


def _actions_before(actions: dict, as_ns: int, n: int, hypothetical: str) -> dict:
    """Actions already taken before ``as_ns``, plus ``hypothetical`` for everyone at ``as_ns``."""
    keep = actions["ts"] < as_ns
    past = {k: v[keep] for k, v in actions.items()}
    if hypothetical == "silence":
        return past
    new = {"pid": np.arange(n, dtype=np.int64),
           "action": np.full(n, ACTIONS.index(hypothetical), dtype=np.int64),
           "ts": np.full(n, as_ns, dtype=np.int64)}
    return {k: np.concatenate([past[k], new[k]]) for k in past}


def truth_table(world: World, config: SimConfig, as_of: date, horizon_days: int) -> pd.DataFrame:
    """person_id, email, state, p_drop (no action) and best_action as of ``as_of``."""
    as_ns = _as_ns(as_of)
    ex = world.extra
    row = int(week_of(as_ns)) - ex["hist_week0"]
    if as_ns > to_ns(world.now) or row < 0:
        raise ValueError(f"truth as_of {as_of} is outside the simulated time "
                         f"(up to {world.now:%Y-%m-%d}); advance the world first")
    probs = np.stack([p_drop(config, world, as_ns, horizon_days, a) for a in ACTIONS])
    gain = probs[0] - probs
    best = np.where(gain.max(axis=0) >= config.section("truth")["min_gain"],
                    gain.argmax(axis=0), 0)
    best[world.people["opted_out"].to_numpy()] = 0  # never contact an opted-out person
    return pd.DataFrame({
        "person_id": world.people["id"].to_numpy(),
        "email": world.people["email"].to_numpy(),
        "state": np.array(STATES, dtype=object)[ex["state_hist"][row]],
        "p_drop": probs[0],
        "best_action": np.array(ACTIONS, dtype=object)[best],
    })


def drop_labels(world: World, config: SimConfig, as_of: date,
                horizon_days: int = 28) -> pd.DataFrame:
    """What actually happened after ``as_of``: inbound count over the horizon, and whether it
    was a drop by the same definition as ``p_drop`` (person_id, email, inbound, threshold,
    dropped). The world must already reach ``as_of + horizon_days``."""
    as_ns = _as_ns(as_of)
    end_ns = as_ns + horizon_days * DAY_NS
    if end_ns > to_ns(world.now):
        raise ValueError(f"drop_labels needs the world to reach {horizon_days} days after "
                         f"{as_of}; it ends at {world.now:%Y-%m-%d}, so advance it first")
    acts = world.activities
    ts = pd.DatetimeIndex(acts["ts"]).as_unit("ns").asi8
    sel = (acts["direction"].to_numpy() == "inbound") & (ts >= as_ns) & (ts < end_ns)
    n = len(world.people)
    inbound = np.bincount(acts["person_id"].to_numpy()[sel] - 1, minlength=n)
    thr = thresholds(config, world.extra["traits"], horizon_days)
    return pd.DataFrame({"person_id": world.people["id"].to_numpy(),
                         "email": world.people["email"].to_numpy(),
                         "inbound": inbound, "threshold": thr, "dropped": inbound <= thr})
