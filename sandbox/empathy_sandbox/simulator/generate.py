"""Contact-behaviour simulator: seeds the sandbox CRM and knows the truth.

Each person has a hidden weekly state (engaged, drifting, frustrated, overwhelmed, gone) that
evolves by per-person transition probabilities and reacts to actions; the state drives what the
person does (e-mails, calls, meetings, purchases, cases) and the tone of what they write. The
parameters live in ``simulator.toml``.

    config = load_config()
    world = generate(config, n_contacts=5_000, days=180, seed=7)
    answers = truth(world, config, as_of=date(2026, 10, 1))     # state, p_drop, best_action
    world = advance(world, config, days=28, actions=tasks_done)  # apply actions, move time on

Everything is vectorised week by week across all people, and every week draws from its own
random stream, so a seed (plus the actions applied) always gives the same world.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from empathy_sandbox.simulator import texts
from empathy_sandbox.simulator.activity import OUTBOUND, People, concat, empty_batch, simulate_week
from empathy_sandbox.simulator.config import ACTIONS, SimConfig, load_config
from empathy_sandbox.simulator.dynamics import (
    DAY_NS,
    STREAM_ACTIONS,
    STREAM_ACTIVITY,
    STREAM_INITIAL,
    STREAM_POPULATION,
    STREAM_TRANSITION,
    action_multipliers,
    day_weights,
    person_matrices,
    step,
    to_ns,
    week_of,
    week_rng,
    week_start_ns,
)
from empathy_sandbox.simulator.population import make_accounts, make_owners, make_people, make_traits
from empathy_sandbox.simulator.truth import drop_labels, truth_table
from empathy_sandbox.simulator.world import ACTIVITY_KINDS, CRMS, STATES, World

__all__ = ["SimConfig", "advance", "drop_labels", "generate", "load_config", "truth"]

DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
_CRM_NAMES = np.array(CRMS, dtype=object)
_KIND_NAMES = np.array(ACTIVITY_KINDS, dtype=object)
_DIRECTION_NAMES = np.array(["inbound", "outbound"], dtype=object)
_STATE_NAMES = np.array(STATES, dtype=object)
_CASE_KEYS = ("id", "person", "crm", "opened_at", "escalated_at", "escalated", "closed_at",
              "subject", "description", "priority")


def generate(config: SimConfig, n_contacts: int, days: int, seed: int,
             end: datetime | None = None) -> World:
    """Simulate ``days`` of history for ``n_contacts`` people, up to ``end`` (a fixed date by
    default, so a seed always gives the same world)."""
    end_ns = to_ns(end or DEFAULT_END)
    start_ns = end_ns - days * DAY_NS
    rng = week_rng(seed, STREAM_POPULATION)
    owners = make_owners(n_contacts, config, rng)
    accounts = make_accounts(n_contacts, config, owners, rng)
    people = make_people(n_contacts, config, accounts, owners, _dt(start_ns), rng)
    traits = make_traits(n_contacts, config, rng)
    first_week, last_week = int(week_of(start_ns)), int(week_of(end_ns - 1))
    hist_week0 = first_week - int(config.section("states")["burn_in_weeks"])
    state_hist = _burn_in(config, traits, seed, n_contacts, hist_week0, last_week)
    extra = {"traits": traits, "state_hist": state_hist, "hist_week0": hist_week0,
             "start_ns": start_ns, "pending": empty_batch(), "cases_full": _empty_cases(),
             "next_activity_id": 1, "next_case_id": 1, "actions": _empty_actions()}
    world = World(owners=owners, accounts=accounts, people=people,
                  activities=_activities_frame(empty_batch(), 1), cases=pd.DataFrame(),
                  states=pd.DataFrame(), now=_dt(start_ns), seed=seed, extra=extra)
    _simulate_weeks(world, config, range(first_week, last_week + 1), start_ns)
    return _release(world, end_ns, first_week)


def advance(world: World, config: SimConfig, days: int, actions: pd.DataFrame | None) -> World:
    """Move time forward by ``days``, applying ``actions`` (email, action, ts) from their ts on.

    Returns a new World; the given one is left as it was. Actions for unknown e-mails are
    ignored and counted in ``world.extra["ignored_actions"]``.
    """
    new = World(owners=world.owners, accounts=world.accounts, people=world.people,
                activities=world.activities, cases=world.cases, states=world.states,
                now=world.now, seed=world.seed, extra=dict(world.extra))
    now_ns, end_ns = to_ns(world.now), to_ns(world.now) + days * DAY_NS
    _record_actions(new, actions, now_ns)
    cur_week = new.extra["hist_week0"] + len(new.extra["state_hist"]) - 1
    weeks = range(cur_week + 1, int(week_of(end_ns - 1)) + 1)
    _simulate_weeks(new, config, weeks, now_ns)
    return _release(new, end_ns, cur_week + 1)


def truth(world: World, config: SimConfig, as_of: date, horizon_days: int = 28) -> pd.DataFrame:
    """Per person: hidden state as of ``as_of``, the true probability of an engagement drop over
    the horizon with no action, and the best action (columns person_id, email, state, p_drop,
    best_action)."""
    return truth_table(world, config, as_of, horizon_days)


def _dt(ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)


def _burn_in(config: SimConfig, traits: dict, seed: int, n: int, week0: int,
             last_week: int) -> np.ndarray:
    """(weeks, N) hidden states from ``week0`` to ``last_week``, before any action exists."""
    init = week_rng(seed, STREAM_INITIAL).choice(len(STATES), n, p=config.initial)
    hist = [init.astype(np.int8)]
    mats, ones = person_matrices(config, traits), np.ones((n, len(STATES)))
    for week in range(week0 + 1, last_week + 1):
        hist.append(step(hist[-1], mats, ones, week_rng(seed, STREAM_TRANSITION, week)))
    return np.stack(hist)


def _simulate_weeks(world: World, config: SimConfig, weeks: range, from_ns: int) -> None:
    """Extend ``world.extra``: states for new weeks, their activities and cases (as pending)."""
    ex = world.extra
    people = People(world.people, ex["traits"])
    mats = person_matrices(config, ex["traits"])
    batches, cases, next_case = [ex["pending"]], [ex["cases_full"]], ex["next_case_id"]
    for week in weeks:
        row = week - ex["hist_week0"]
        if row >= len(ex["state_hist"]):  # a week whose state is not drawn yet
            mult = action_multipliers(config, people.n, ex["actions"], ex["state_hist"],
                                      ex["hist_week0"], week)
            nxt = step(ex["state_hist"][-1], mats, mult, week_rng(world.seed, STREAM_TRANSITION,
                                                                   week))
            ex["state_hist"] = np.vstack([ex["state_hist"], nxt[None, :]])
        week_ns = int(week_start_ns(week))
        batch, new_cases = simulate_week(config, people, ex["state_hist"][row], week_ns,
                                         day_weights(config, week_ns, 7), next_case,
                                         week_rng(world.seed, STREAM_ACTIVITY, week))
        batches.append(_since(batch, batch["ts"], from_ns, new_cases, from_ns))
        cases.append({k: v[new_cases["opened_at"] >= from_ns] for k, v in new_cases.items()})
        next_case += len(new_cases["id"])
    ex["pending"], ex["cases_full"] = concat(batches), _concat_cases(cases)
    ex["next_case_id"] = next_case


def _since(batch: dict, ts: np.ndarray, from_ns: int, cases: dict, cases_from: int) -> dict:
    """Rows at or after ``from_ns`` that do not belong to a case opened before ``cases_from``."""
    dropped = cases["id"][cases["opened_at"] < cases_from]
    keep = (ts >= from_ns) & ~np.isin(batch["case_id"], dropped)
    return {k: v[keep] for k, v in batch.items()}


def _concat_cases(parts: list[dict]) -> dict:
    """One dict of case arrays from many."""
    return {k: np.concatenate([p[k] for p in parts]) for k in _CASE_KEYS}


def _empty_cases() -> dict:
    obj, i64 = np.array([], dtype=object), np.array([], dtype=np.int64)
    return {"id": i64, "person": i64, "crm": np.array([], dtype=np.int8), "opened_at": i64,
            "escalated_at": i64, "escalated": np.array([], dtype=bool), "closed_at": i64,
            "subject": obj, "description": obj, "priority": obj}


def _empty_actions() -> dict:
    return {"pid": np.array([], dtype=np.int64), "action": np.array([], dtype=np.int64),
            "ts": np.array([], dtype=np.int64)}


def _record_actions(world: World, actions: pd.DataFrame | None, now_ns: int) -> None:
    """Remember actions (effective no earlier than now) and log the e-mails reps send."""
    ex = world.extra
    if actions is None or actions.empty:
        return
    pos = pd.Index(world.people["email"]).get_indexer(actions["email"].str.lower())
    code = pd.Index(ACTIONS).get_indexer(actions["action"])
    if (code < 0).any():
        bad = sorted(set(actions["action"][code < 0]))
        raise ValueError(f"Unknown action(s) {bad}; expected one of {ACTIONS}")
    ts = pd.DatetimeIndex(pd.to_datetime(actions["ts"], utc=True)).as_unit("ns").asi8
    ts = np.maximum(ts, now_ns)  # an action cannot change the past
    known = pos >= 0
    ex["ignored_actions"] = ex.get("ignored_actions", 0) + int((~known).sum())
    new = {"pid": pos[known].astype(np.int64), "action": code[known].astype(np.int64),
           "ts": ts[known]}
    ex["actions"] = {k: np.concatenate([ex["actions"][k], new[k]]) for k in new}
    ex["pending"] = concat([ex["pending"], _action_emails(world, new, now_ns)])


def _action_emails(world: World, actions: dict, now_ns: int) -> dict:
    """The outbound e-mail by which a rep carries out each support note or offer."""
    rng = week_rng(world.seed, STREAM_ACTIONS, int(week_of(now_ns)))
    batches = []
    for name in ("support_note", "offer"):
        sel = actions["action"] == ACTIONS.index(name)
        pos = actions["pid"][sel]
        subject, text = texts.action_emails(name, len(pos), rng)
        batches.append({"person": pos, "ts": actions["ts"][sel],
                        "kind": np.zeros(len(pos), dtype=np.int8),
                        "direction": np.full(len(pos), OUTBOUND, dtype=np.int8),
                        "subject": subject, "text": text, "amount": np.full(len(pos), np.nan),
                        "case_id": np.full(len(pos), -1, dtype=np.int64),
                        "crm": _home_crm(world.people, pos)})
    return concat(batches)


def _home_crm(people: pd.DataFrame, pos: np.ndarray) -> np.ndarray:
    """Salesforce for people who live there, else HubSpot (where reps log their e-mails)."""
    return np.where(people["in_salesforce"].to_numpy()[pos], 0, 1).astype(np.int8)


def _release(world: World, until_ns: int, first_new_week: int) -> World:
    """Publish pending activities before ``until_ns``, update cases and states, set ``now``."""
    ex = world.extra
    pending = ex["pending"]
    due = pending["ts"] < until_ns
    released = _activities_frame({k: v[due] for k, v in pending.items()},
                                 ex["next_activity_id"])
    ex["pending"] = {k: v[~due] for k, v in pending.items()}
    ex["next_activity_id"] += len(released)
    parts = [f for f in (world.activities, released) if len(f)]
    world.activities = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (
        parts[0] if parts else released)
    world.cases = _cases_frame(ex["cases_full"], until_ns)
    world.states = _states_frame(ex, world.states, first_new_week)
    world.now = _dt(until_ns)
    return world


def _timestamps(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")


def _activities_frame(batch: dict, first_id: int) -> pd.DataFrame:
    """The world.py activities table, in time order."""
    order = np.lexsort((batch["person"], batch["ts"]))
    b = {k: v[order] for k, v in batch.items()}
    return pd.DataFrame({
        "id": np.arange(first_id, first_id + len(order), dtype=np.int64),
        "person_id": b["person"].astype(np.int64) + 1,
        "crm": _CRM_NAMES[b["crm"]],
        "ts": _timestamps(b["ts"]),
        "kind": _KIND_NAMES[b["kind"]],
        "direction": _DIRECTION_NAMES[b["direction"]],
        "subject": b["subject"],
        "text": b["text"],
        "amount": b["amount"].astype(float),
        "case_id": b["case_id"].astype(np.int64),
    })


def _cases_frame(cases: dict, now_ns: int) -> pd.DataFrame:
    """Cases opened before ``now``, showing only the escalations and closings that happened."""
    seen = cases["opened_at"] < now_ns
    c = {k: v[seen] for k, v in cases.items()}
    nat = np.iinfo(np.int64).min  # NaT
    escalated = c["escalated"] & (c["escalated_at"] < now_ns)
    return pd.DataFrame({
        "id": c["id"],
        "person_id": c["person"] + 1,
        "crm": _CRM_NAMES[c["crm"]],
        "opened_at": _timestamps(c["opened_at"]),
        "escalated_at": _timestamps(np.where(escalated, c["escalated_at"], nat)),
        "closed_at": _timestamps(np.where(c["closed_at"] < now_ns, c["closed_at"], nat)),
        "subject": c["subject"],
        "description": c["description"],
        "priority": c["priority"],
    }).sort_values("id", ignore_index=True)


def _states_frame(ex: dict, previous: pd.DataFrame, first_new_week: int) -> pd.DataFrame:
    """Append the weekly hidden states of weeks from ``first_new_week`` on."""
    rows = ex["state_hist"][first_new_week - ex["hist_week0"]:]
    weeks, n = rows.shape
    frame = pd.DataFrame({
        "person_id": np.tile(np.arange(1, n + 1, dtype=np.int64), weeks),
        "week_start": _timestamps(np.repeat(
            week_start_ns(np.arange(first_new_week, first_new_week + weeks)), n)),
        "state": _STATE_NAMES[rows.ravel()],
    })
    return pd.concat([previous, frame], ignore_index=True) if len(previous) else frame
