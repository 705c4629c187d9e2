"""``empathy simulate-policy``: the product's decisions against the simulator's exact truth.

For each world (the default ``simulator.toml``, or each ``--config`` file merged over it) the
simulator generates ``history_days`` of history; the product's model is trained on it once.
Then every policy runs forward ``weeks`` weeks in its own copy of the world (same seed, so the
worlds differ only by what the policies did). Each week:

1. the world is read as the canonical tables the connectors produce, tone-scored, and turned
   into features, scores and decisions by the product's own code (``empathy`` uses
   ``empathy_engine.stages.decide.decide_contacts``, with its open holds and its hold-out);
2. the simulator's truth gives every person's exact probability of an engagement drop over
   the next 28 days under silence, a support note and an offer (``truth.p_drop``: no sampling);
3. a decision's gain is ``p_drop(silence) - p_drop(action)``: **drops averted** sums it over
   people and weeks (against ``no_action``, which gains 0 by definition); a touch is
   **harmful** when it is an offer to a truly frustrated person or any outreach to an
   overwhelmed or opted-out one;
4. the support notes and offers act on the simulated people (a rep carries them out the same
   day) and the world moves on seven days.

Policies: ``empathy`` (the product), ``no_action``, ``offer_all_at_risk`` (model risk >= 0.5),
``case_rule`` (support note if an open case, else offer, at risk), ``random`` (as many
touches as ``empathy`` that week, random people and actions) and ``oracle`` (the truly best
action per person). Baselines respect opt-out, as any CRM's e-mail tool does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from empathy_engine.core.config import PipelineConfig
from empathy_engine.models.features import add_tone, build_features
from empathy_engine.models.scoring import score
from empathy_engine.models.training import train
from empathy_engine.stages.decide import decide_contacts
from empathy_lab.world_tables import canonical_activities, canonical_contacts
from empathy_sandbox.simulator.config import ACTIONS, SimConfig, load_config, read_overlay
from empathy_sandbox.simulator.dynamics import to_ns, week_of
from empathy_sandbox.simulator.generate import advance, generate
from empathy_sandbox.simulator.truth import p_drop
from empathy_sandbox.simulator.world import STATES, World

POLICIES = ("empathy", "no_action", "offer_all_at_risk", "case_rule", "random", "oracle")
HORIZON_DAYS = 28
RISK_THRESHOLD = 0.5
SILENCE, SUPPORT, OFFER = (ACTIONS.index(a) for a in ("silence", "support_note", "offer"))
FRUSTRATED, OVERWHELMED = STATES.index("frustrated"), STATES.index("overwhelmed")


@dataclass
class WorldSpec:
    """One world: a name and the simulator tables merged over the defaults."""

    name: str
    overlay: dict = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> WorldSpec:
        return cls(Path(path).stem, read_overlay(path))


@dataclass
class Tally:
    """One policy's totals over a run."""

    drops_averted: float = 0.0
    harmful_touches: int = 0
    optout_touches: int = 0
    touches: int = 0

    def as_json(self) -> dict:
        return {"drops_averted": round(float(self.drops_averted), 4),
                "harmful_touches": int(self.harmful_touches),
                "optout_touches": int(self.optout_touches), "touches": int(self.touches)}


@dataclass
class Week:
    """What a policy sees and what the truth knows, for one week of one trajectory."""

    day: dt.date
    world: World
    config: SimConfig
    p_drop: np.ndarray  # (actions, people) exact drop probability per action
    state: np.ndarray  # (people,) hidden state codes
    opted_out: np.ndarray  # (people,) bool
    product: Callable[[], dict]  # lazily: the product's tables as of this week
    rng: np.random.Generator
    empathy_touches: int | None = None


class Trajectory:
    """One policy's copy of the world, with the product-side memory it keeps between runs."""

    def __init__(self, world: World, contacts: pd.DataFrame, scored: pd.DataFrame):
        self.world = world
        self.contacts = contacts
        self._scored = scored  # tone-scored canonical activities as of the last read
        self.holds: dict[str, dt.date] = {}

    def activities(self) -> pd.DataFrame:
        """The canonical activity table as of now, tone-scored (only new rows are scored)."""
        fresh = canonical_activities(self.world)
        known = self._scored.set_index("activity_id")[["tone", "complaint",
                                                        "asked_fewer_contacts"]]
        fresh = fresh.join(known, on="activity_id")
        self._scored = add_tone(fresh)
        return self._scored

    def open_actions(self, day: dt.date) -> set[str]:
        return {key for key, until in self.holds.items() if until > day}


def run(worlds: Sequence[WorldSpec], *, contacts: int, weeks: int, seed: int,
        history_days: int = 180, holdout_share: float = 0.05,
        policies: Sequence[str] = POLICIES, progress=None) -> dict:
    """Simulate every policy in every world; return the ``--json`` document."""
    out = []
    for spec in worlds:
        out.append({"name": spec.name,
                    "policies": run_world(spec, contacts=contacts, weeks=weeks, seed=seed,
                                          history_days=history_days,
                                          holdout_share=holdout_share, policies=policies,
                                          progress=progress)})
    return {"worlds": out}


def run_world(spec: WorldSpec, *, contacts: int, weeks: int, seed: int, history_days: int,
              holdout_share: float, policies: Sequence[str], progress=None) -> dict:
    """One world: train the product's model once, then run each policy forward."""
    config = load_config(overlays=[spec.overlay])
    world0 = generate(config, contacts, history_days, seed)
    people = canonical_contacts(world0)
    scored0 = add_tone(canonical_activities(world0))
    cutoff = world0.now.date()
    model = train(scored0, people, cutoff=cutoff, horizon_days=HORIZON_DAYS, seed=seed,
                  max_cutoffs=4).model
    pipeline = PipelineConfig(risk_threshold=RISK_THRESHOLD, holdout_share=holdout_share,
                              data_dir="unused")
    order = sorted(policies, key=lambda name: name != "empathy")  # random copies its count
    empathy_counts: list[int] = []
    results = {}
    for name in order:
        trajectory = Trajectory(world0, people, scored0)
        tally = Tally()
        for w in range(weeks):
            week = _week(trajectory, config, model, pipeline, seed, w)
            if empathy_counts and name == "random":
                week.empathy_touches = empathy_counts[w]
            action = DECIDERS[name](week, trajectory, pipeline)
            if name == "empathy":
                empathy_counts.append(int((action != SILENCE).sum()))
            _score(tally, week, action)
            trajectory.world = _act(trajectory.world, config, action)
            if progress is not None:
                progress(f"{spec.name}: {name} week {w + 1}/{weeks}")
        results[name] = tally.as_json()
    return {name: results[name] for name in policies}


def _week(trajectory: Trajectory, config: SimConfig, model, pipeline: PipelineConfig,
          seed: int, w: int) -> Week:
    world = trajectory.world
    as_ns = to_ns(world.now)
    ex = world.extra
    probs = np.stack([p_drop(config, world, as_ns, HORIZON_DAYS, a) for a in ACTIONS])
    state = ex["state_hist"][int(week_of(as_ns)) - ex["hist_week0"]].astype(int)
    day = world.now.date()
    cache: dict = {}

    def product() -> dict:
        if not cache:
            activities = trajectory.activities()
            features = build_features(activities, trajectory.contacts, cutoff=day)
            scores = score(model, features)
            cache.update(activities=activities, features=features, scores=scores)
        return cache

    return Week(day=day, world=world, config=config, p_drop=probs, state=state,
                opted_out=world.people["opted_out"].to_numpy(dtype=bool), product=product,
                rng=np.random.default_rng([seed, 8, w]))


def _score(tally: Tally, week: Week, action: np.ndarray) -> None:
    people = np.arange(len(action))
    gain = week.p_drop[SILENCE] - week.p_drop[action, people]
    touched = action != SILENCE
    harmful = touched & (((action == OFFER) & (week.state == FRUSTRATED))
                         | (week.state == OVERWHELMED) | week.opted_out)
    tally.drops_averted += float(gain.sum())
    tally.harmful_touches += int(harmful.sum())
    tally.optout_touches += int((touched & week.opted_out).sum())
    tally.touches += int(touched.sum())


def _act(world: World, config: SimConfig, action: np.ndarray) -> World:
    """Reps carry out this week's support notes and offers today; the world moves a week on."""
    touched = np.flatnonzero(action != SILENCE)
    ts = pd.Timestamp(world.now) + pd.Timedelta(hours=12)  # the same simulated week
    actions = pd.DataFrame({"email": world.people["email"].to_numpy()[touched],
                            "action": np.array(ACTIONS, dtype=object)[action[touched]],
                            "ts": ts})
    return advance(world, config, 7, actions)


# --- the policies ---------------------------------------------------------------------------


def _codes(world: World, keys: pd.Series, actions: pd.Series) -> np.ndarray:
    """Per simulated person, the action code decided for their contact_key (silence if none)."""
    out = np.full(len(world.people), SILENCE, dtype=np.int64)
    position = pd.Index(world.people["email"]).get_indexer(keys.astype(str))
    code = pd.Index(ACTIONS).get_indexer(actions)
    ok = position >= 0
    out[position[ok]] = code[ok]
    return out


def empathy(week: Week, trajectory: Trajectory, pipeline: PipelineConfig) -> np.ndarray:
    tables = week.product()
    decisions = decide_contacts(tables["scores"], trajectory.contacts, week.day, pipeline,
                                activities=tables["activities"],
                                open_actions=trajectory.open_actions(week.day))
    held = decisions["hold_until"].notna() & decisions["write"]
    for key, until in zip(decisions.loc[held, "contact_key"], decisions.loc[held, "hold_until"],
                          strict=True):
        trajectory.holds[key] = pd.Timestamp(until).date()
    return _codes(week.world, decisions["contact_key"], decisions["action"])


def no_action(week: Week, trajectory: Trajectory, pipeline: PipelineConfig) -> np.ndarray:
    return np.full(len(week.state), SILENCE, dtype=np.int64)


def _at_risk(week: Week) -> tuple[pd.DataFrame, np.ndarray]:
    scores = week.product()["scores"]
    ok = (scores["probability"].to_numpy() >= RISK_THRESHOLD) & ~scores["opted_out"].astype(
        "boolean").fillna(True).to_numpy(dtype=bool)
    return scores, ok


def offer_all_at_risk(week: Week, trajectory: Trajectory, pipeline) -> np.ndarray:
    scores, ok = _at_risk(week)
    return _codes(week.world, scores["contact_key"][ok], pd.Series("offer", index=range(ok.sum())))


def case_rule(week: Week, trajectory: Trajectory, pipeline) -> np.ndarray:
    scores, ok = _at_risk(week)
    open_case = pd.to_numeric(scores["open_cases"], errors="coerce").fillna(0).to_numpy() > 0
    action = np.where(open_case, "support_note", "offer")[ok]
    return _codes(week.world, scores["contact_key"][ok], pd.Series(action))


def random_policy(week: Week, trajectory: Trajectory, pipeline) -> np.ndarray:
    n = len(week.state)
    eligible = np.flatnonzero(~week.opted_out)
    count = min(week.empathy_touches or 0, len(eligible))
    out = np.full(n, SILENCE, dtype=np.int64)
    chosen = week.rng.choice(eligible, size=count, replace=False)
    out[chosen] = week.rng.choice([SUPPORT, OFFER], size=count)
    return out


def oracle(week: Week, trajectory: Trajectory, pipeline) -> np.ndarray:
    gain = week.p_drop[SILENCE] - week.p_drop
    best = gain.argmax(axis=0)
    min_gain = week.config.section("truth")["min_gain"]
    return np.where((gain.max(axis=0) >= min_gain) & ~week.opted_out, best, SILENCE)


DECIDERS = {"empathy": empathy, "no_action": no_action, "offer_all_at_risk": offer_all_at_risk,
            "case_rule": case_rule, "random": random_policy, "oracle": oracle}


# --- command line ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="empathy simulate-policy",
        description="Run the product's policy and baselines forward in simulated worlds and "
                    "score every decision with the simulator's exact counterfactuals.")
    parser.add_argument("--contacts", type=int, default=2000, help="simulated people")
    parser.add_argument("--weeks", type=int, default=4, help="weeks to run forward")
    parser.add_argument("--seed", type=int, default=11, help="simulator seed")
    parser.add_argument("--config", action="append", default=[], metavar="FILE",
                        help="TOML with any subset of simulator.toml's sections and keys, "
                             "merged over the defaults; repeatable, one world per file "
                             "(default: the default world)")
    parser.add_argument("--history-days", type=int, default=180,
                        help="days of history before the first decision (default 180)")
    parser.add_argument("--holdout-share", type=float, default=0.05,
                        help="the product's randomized hold-out share (default 0.05)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.contacts < 50 or args.weeks < 1 or args.history_days < 90:
        print("simulate-policy: needs --contacts >= 50, --weeks >= 1, --history-days >= 90",
              file=sys.stderr)
        return 2
    try:
        worlds = [WorldSpec.from_file(p) for p in args.config] or [WorldSpec("default")]
    except ValueError as exc:
        print(f"simulate-policy: {exc}", file=sys.stderr)
        return 2
    options = dict(contacts=args.contacts, weeks=args.weeks, seed=args.seed,
                   history_days=args.history_days, holdout_share=args.holdout_share)
    if args.json:
        print(json.dumps(run(worlds, **options), indent=2))
        return 0
    from empathy_lab.report import render, with_progress

    result = with_progress(lambda progress: run(worlds, progress=progress, **options),
                           total=len(worlds) * len(POLICIES) * args.weeks)
    render(result, args)
    return 0
