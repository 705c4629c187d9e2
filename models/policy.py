"""The empathy policy: one next action per contact, support note, offer or silence.

Rules, first match wins (opt-out > open action > frustration > saturation > risk):

==========================  =============  ===================================================
rule (``reason``)           ``action``     written to the CRM?
==========================  =============  ===================================================
``opted_out``               silence        as a visible hold record when high-risk
``open_action``             silence        no: the contact already has an open task or hold
``frustration``             support_note   yes (frustrated and at risk, or escalated)
``asked_fewer_contacts``    silence        as a visible hold record when high-risk
``saturation``              silence        as a visible hold record when high-risk
``quiet_period``            silence        as a visible hold record when high-risk
``lapsed``                  silence        no: silent for over ``lapsed_days``, already gone
``drift``                   offer          yes (at risk, no friction)
``not_at_risk``             silence        no
==========================  =============  ===================================================

Afterwards a deterministic, randomized share of the would-be support notes and offers is held
out (``reason="holdout"``, silence, not written) so that outcomes can be compared against
contacts who were deliberately left alone. A frustrated contact never receives an offer.

**Targeting by expected gain.** When the input carries the person's state probabilities
(``p_engaged`` … ``p_gone`` from :mod:`models.state`), risk is no longer the gate: after the
hard guardrails (opt-out, open action, asked for fewer contacts, saturation, quiet period —
all unconditional — and never an offer to anyone with a frustration signal), each eligible
person's expected gain per action is ``sum_s P(s) effect(s, a)`` minus the harm it risks
(:class:`models.effects.EffectModel`), and the best action is taken when its gain reaches a
threshold calibrated so that the targets' mean probability of a harmful touch stays within
``harm_budget``. A support note keeps reason ``frustration``, an offer ``drift``; no gain is
``not_at_risk``.

**Experiments.** The hold-out is sticky: drawn by person and experiment period
(``experiment_days`` long), not by night, so a held-out person stays untreated for the whole
period. A small ``explore_share`` of eligible people outside the targets (never opted out,
asked-fewer, saturated or likely overwhelmed) get a random allowed action. Every decision
records ``intended_action``, ``assignment`` (policy, holdout, explore, guardrail),
``propensity`` (the probability of the action it got) and ``experiment_period``, after the
:data:`DECISIONS` columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from empathy_engine.core.errors import ConfigError
from empathy_engine.core.schema import DECISIONS
from empathy_engine.models.action_keys import action_key, as_date, business_days_after, in_holdout
from empathy_engine.models.effects import OUTREACH, EffectModel, harm_threshold
from empathy_engine.models.policy_inputs import (
    QuietPeriod,
    check_count,
    check_share,
    checked_input,
    checked_quiet_periods,
    count_column,
    date_of_month_day,
    flag_column,
    number_column,
)
from empathy_engine.models.state import STATE_COLUMNS
from empathy_engine.models.task_text import headline, task_text, why_line

__all__ = ["ACTION_BY_REASON", "EmpathyPolicy", "REASON_ORDER", "action_key", "as_date",
           "business_days_after", "decisions_table", "in_holdout"]


#: Late December to 2 January (inclusive): people are away, and outreach lands badly.
DEFAULT_QUIET_PERIODS: tuple[QuietPeriod, ...] = (((12, 22), (1, 2)),)

#: Reasons in precedence order (first match wins); the last one is the default.
REASON_ORDER = (
    "opted_out",
    "open_action",
    "frustration",
    "asked_fewer_contacts",
    "saturation",
    "quiet_period",
    "lapsed",
    "drift",
)
ACTION_BY_REASON = {
    "opted_out": "silence",
    "open_action": "silence",
    "frustration": "support_note",
    "asked_fewer_contacts": "silence",
    "saturation": "silence",
    "quiet_period": "silence",
    "lapsed": "silence",
    "drift": "offer",
    "not_at_risk": "silence",
    "holdout": "silence",
}
#: Silences that mean "do not contact now" and may be written as a visible hold record.
HOLD_REASONS = ("opted_out", "asked_fewer_contacts", "saturation", "quiet_period")
OUTREACH_ACTIONS = ("support_note", "offer")
#: Columns added after the DECISIONS columns (nothing renamed).
EXPERIMENT_COLUMNS = ("intended_action", "assignment", "propensity", "experiment_period",
                      "expected_gain")
#: Guardrails that stop any outreach in gain targeting, in precedence order.
GAIN_GUARDS = ("opted_out", "open_action", "asked_fewer_contacts", "saturation",
               "quiet_period")
EXPERIMENT_EPOCH = dt.date(2024, 1, 1)  # experiment periods are counted from this Monday


class EmpathyPolicy:
    """Decide one empathy-aware next action per contact.

    Parameters
    ----------
    risk_threshold : float, default=0.5
        A contact is *at risk* when its probability of an engagement drop is at least this.
    saturation_touches : int, default=6
        A contact with at least this many outbound touches in 28 days is *saturated*.
    hold_days : int, default=14
        How long a silence holds outreach (``hold_until = run_date + hold_days``).
    hold_threshold : float, optional
        Probability from which a silence is written as a visible hold record, so nobody else
        contacts the person. Defaults to ``risk_threshold``; must not be below it.
    quiet_periods : sequence of ((month, day), (month, day)), optional
        Inclusive date ranges, which may wrap the year end, when at-risk contacts get a hold
        instead of an offer. Defaults to :data:`DEFAULT_QUIET_PERIODS`; ``()`` disables.
    holdout_share : float, default=0.0
        Share of would-be support notes and offers deliberately left alone, chosen by hashing
        contact_key and run date (deterministic), to measure the actions' uplift.
    tone_threshold : float, default=-0.3
        ``tone_mean_28d`` at or below this counts as frustration.
    complaints_threshold : int, default=1
        ``complaints_28d`` at or above this counts as frustration.
    lapsed_days : int, default=60
        An at-risk contact with no activity of their own for longer than this has already
        left rather than drifting: silence (reason ``lapsed``, nothing written), not an offer.

    Examples
    --------
    >>> policy = EmpathyPolicy(risk_threshold=0.6, holdout_share=0.1)  # doctest: +SKIP
    >>> decisions = policy.decide(scored, run_date="2024-05-01")        # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        risk_threshold: float = 0.5,
        saturation_touches: int = 6,
        hold_days: int = 14,
        hold_threshold: float | None = None,
        quiet_periods: Sequence[QuietPeriod] | None = None,
        holdout_share: float = 0.0,
        tone_threshold: float = -0.3,
        complaints_threshold: int = 1,
        lapsed_days: int = 60,
        effects: EffectModel | None = None,
        harm_budget: float = 0.03,
        min_gain: float = 0.005,
        max_harm_probability: float = 0.15,
        explore_share: float = 0.0,
        experiment_days: int = 28,
    ) -> None:
        self.risk_threshold = risk_threshold
        self.saturation_touches = saturation_touches
        self.hold_days = hold_days
        self.hold_threshold = risk_threshold if hold_threshold is None else hold_threshold
        self.quiet_periods = checked_quiet_periods(
            DEFAULT_QUIET_PERIODS if quiet_periods is None else quiet_periods
        )
        self.holdout_share = holdout_share
        self.tone_threshold = tone_threshold
        self.complaints_threshold = complaints_threshold
        self.lapsed_days = lapsed_days
        self.effects = effects or EffectModel()
        self.harm_budget = harm_budget
        self.min_gain = min_gain
        self.max_harm_probability = max_harm_probability
        self.explore_share = explore_share
        self.experiment_days = experiment_days
        self._check_settings()

    def _check_settings(self) -> None:
        """Fail early, saying which setting is wrong and what is expected."""
        check_share("risk_threshold", self.risk_threshold)
        check_share("hold_threshold", self.hold_threshold)
        check_share("holdout_share", self.holdout_share, upper_open=True)
        if self.hold_threshold < self.risk_threshold:
            raise ConfigError(
                f"hold_threshold={self.hold_threshold} is below risk_threshold="
                f"{self.risk_threshold}; a hold record is only for at-risk contacts, so set "
                "hold_threshold >= risk_threshold (or leave it out to use risk_threshold)."
            )
        check_count("saturation_touches", self.saturation_touches, minimum=1)
        check_count("hold_days", self.hold_days, minimum=1)
        check_count("complaints_threshold", self.complaints_threshold, minimum=1)
        check_count("lapsed_days", self.lapsed_days, minimum=1)
        check_share("harm_budget", self.harm_budget)
        check_share("max_harm_probability", self.max_harm_probability)
        check_share("explore_share", self.explore_share, upper_open=True)
        check_count("experiment_days", self.experiment_days, minimum=1)
        if not -1.0 <= self.tone_threshold <= 1.0:
            raise ConfigError(f"tone_threshold={self.tone_threshold} must be in [-1, 1].")

    def decide(
        self,
        scored: pd.DataFrame,
        run_date: dt.date | dt.datetime | str,
        *,
        open_actions: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Decide the next action for every scored contact.

        Parameters
        ----------
        scored : pandas.DataFrame
            One row per contact_key with ``probability``, optional ``reasons`` (model reason
            codes as text), the :data:`empathy.schema.POLICY_FEATURES` columns and optional
            ``industry`` and ``title`` (used to tune offer texts).
        run_date : date, datetime or ISO string
            The decision date: it keys the actions and dates the holds and due dates.
        open_actions : iterable of str, optional
            contact_keys that already have an open empathy task or an unexpired hold.

        Returns
        -------
        pandas.DataFrame
            One row per contact with exactly the columns of :data:`empathy.schema.DECISIONS`.
        """
        day = as_date(run_date)
        frame = checked_input(scored)
        design = self.design(frame, day, open_actions=open_actions)
        decisions = self._decisions(frame, design["reason"], day)
        decisions = self._with_task_text(decisions, frame)
        for column in EXPERIMENT_COLUMNS:
            decisions[column] = design[column].to_numpy()
        return decisions

    def reasons(
        self,
        scored: pd.DataFrame,
        run_date: dt.date | dt.datetime | str,
        *,
        open_actions: Iterable[str] | None = None,
    ) -> pd.Series:
        """Return the rule that fires for each contact (see the module docstring).

        Parameters
        ----------
        scored : pandas.DataFrame
            As for :meth:`decide`.
        run_date : date, datetime or ISO string
            The decision date.
        open_actions : iterable of str, optional
            contact_keys that already have an open action.

        Returns
        -------
        pandas.Series
            One of ``ACTION_BY_REASON``'s keys per row, aligned with ``scored``.
        """
        return self.design(scored, run_date, open_actions=open_actions)["reason"]

    def design(
        self,
        scored: pd.DataFrame,
        run_date: dt.date | dt.datetime | str,
        *,
        open_actions: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """The reason per contact with the experiment's record (see the module docstring).

        Returns
        -------
        pandas.DataFrame
            ``reason`` and :data:`EXPERIMENT_COLUMNS`, aligned with ``scored``.
        """
        day = as_date(run_date)
        signals = self.signals(scored)
        keys = scored["contact_key"].astype(str)
        open_now = keys.isin(set(open_actions or ())).to_numpy()
        gain = np.zeros(len(scored))
        explore_action = np.full(len(scored), None, dtype=object)
        if self.targets_by_gain(scored):
            chosen, gain, explore_action = self._gain_reasons(scored, signals, open_now, day,
                                                              keys)
        else:
            signals["open_action"] = open_now
            signals["quiet_period"] = signals["at_risk"] & self.in_quiet_period(day)
            conditions = [signals[name].to_numpy(dtype=bool) for name in REASON_ORDER]
            chosen = np.select(conditions, list(REASON_ORDER), default="not_at_risk")
        intended = np.array([ACTION_BY_REASON[r] for r in chosen], dtype=object)
        outreach = np.isin(intended, OUTREACH_ACTIONS)
        explored = ~outreach & (explore_action != None)  # noqa: E711 - elementwise
        period = self.experiment_period(day)
        held_out = (outreach | explored) & self._holdout_mask(keys, period, outreach | explored)
        reason = np.where(held_out, "holdout", chosen).astype(object)
        for action, name in (("support_note", "frustration"), ("offer", "drift")):
            reason[explored & ~held_out & (explore_action == action)] = name
        guard = ~np.isin(chosen, ("not_at_risk", "frustration", "drift", "lapsed"))
        assignment = np.select([held_out, explored, guard], ["holdout", "explore", "guardrail"],
                               "policy")
        h, e = self.holdout_share, self.explore_share
        allowed = np.where(signals["frustrated"].to_numpy(), 1.0, 2.0)
        propensity = np.select(
            [guard, held_out & outreach, held_out & explored, outreach, explored],
            [1.0, h, e / allowed * h, 1.0 - h, e / allowed * (1.0 - h)],
            1.0 - (e if self.targets_by_gain(scored) else 0.0),
        )
        return pd.DataFrame(
            {
                "reason": reason,
                "intended_action": np.where(explored, explore_action, intended),
                "assignment": assignment,
                "propensity": propensity.astype(float),
                "experiment_period": period.isoformat(),
                "expected_gain": gain,
            },
            index=scored.index,
        )

    def targets_by_gain(self, scored: pd.DataFrame) -> bool:
        """Gain targeting needs the person's state probabilities (``models.state``)."""
        return all(column in scored.columns for column in STATE_COLUMNS)

    def experiment_period(self, day: dt.date) -> dt.date:
        """First day of the experiment period containing ``day`` (the hold-out's unit)."""
        days = (day - EXPERIMENT_EPOCH).days
        return EXPERIMENT_EPOCH + dt.timedelta(days=days - days % self.experiment_days)

    def _gain_reasons(self, scored, signals, open_now, day, keys):
        """Guardrails first, then the best action by expected gain above the harm threshold."""
        guard = {
            "opted_out": signals["opted_out"].to_numpy(),
            "open_action": open_now,
            "asked_fewer_contacts": flag_column(scored, "asked_fewer_contacts", missing=False),
            "saturation": count_column(scored, "touches_out_28d") >= self.saturation_touches,
            "quiet_period": np.full(len(scored), self.in_quiet_period(day)),
        }
        blocked = np.select([guard[name] for name in GAIN_GUARDS], list(GAIN_GUARDS), "")
        eligible = blocked == ""
        probs = _state_probabilities(scored)
        gain = self.effects.expected_gain(probs)
        harm = self.effects.harm_probability(probs)
        frustrated = signals["frustrated"].to_numpy()
        offer = OUTREACH.index("offer")
        gain[frustrated, offer] = -np.inf  # never an offer to anyone with a frustration signal
        gain[harm > self.max_harm_probability] = -np.inf
        best = gain.argmax(axis=1)
        rows = np.arange(len(scored))
        best_gain, best_harm = gain[rows, best], harm[rows, best]
        threshold = harm_threshold(np.where(eligible, best_gain, -np.inf), best_harm,
                                   budget=self.harm_budget, min_gain=self.min_gain)
        target = eligible & (best_gain >= threshold)
        chosen = np.where(eligible, "not_at_risk", blocked).astype(object)
        chosen[target & (best == OUTREACH.index("support_note"))] = "frustration"
        chosen[target & (best == offer)] = "drift"
        explore = np.full(len(scored), None, dtype=object)
        if self.explore_share > 0:
            safe = eligible & ~target & (harm.min(axis=1) <= self.max_harm_probability / 3)
            draw = np.array([_uniform(k, day, "explore") for k in keys])
            pick = np.array([_uniform(k, day, "explore-action") for k in keys])
            offer_ok = ~frustrated & (harm[:, offer] <= self.max_harm_probability / 3)
            action = np.where(offer_ok & (pick < 0.5), "offer", "support_note")
            action = np.where(harm[:, 0] > self.max_harm_probability / 3, "offer", action)
            ok = safe & (draw < self.explore_share) & ((action == "support_note") | offer_ok)
            explore[ok] = action[ok]
        return chosen, np.where(np.isfinite(best_gain), best_gain, 0.0), explore

    def signals(self, scored: pd.DataFrame) -> pd.DataFrame:
        """Compute the boolean signals behind each rule.

        Missing ``opted_out`` counts as opted out (fail safe); missing counts count as zero
        and a missing tone as neutral.

        Parameters
        ----------
        scored : pandas.DataFrame
            As for :meth:`decide`.

        Returns
        -------
        pandas.DataFrame
            Boolean columns ``at_risk``, ``escalated``, ``frustrated``, ``opted_out``,
            ``frustration``, ``asked_fewer_contacts``, ``saturation`` and ``drift``.
        """
        at_risk = scored["probability"].to_numpy(dtype=float) >= self.risk_threshold
        escalated = count_column(scored, "escalations_28d") > 0
        frustrated = (
            escalated
            | (count_column(scored, "open_cases") > 0)
            | (count_column(scored, "complaints_28d") >= self.complaints_threshold)
            | (number_column(scored, "tone_mean_28d", np.nan) <= self.tone_threshold)
        )
        saturated = count_column(scored, "touches_out_28d") >= self.saturation_touches
        asked = flag_column(scored, "asked_fewer_contacts", missing=False)
        # Silent for longer than this, the contact has already left rather than drifting: an
        # offer does not bring them back (the sandbox's truth says so too; see bench/README.md).
        lapsed = number_column(scored, "days_since_last_activity", 0.0) > self.lapsed_days
        return pd.DataFrame(
            {
                "at_risk": at_risk,
                "escalated": escalated,
                "frustrated": frustrated,
                "opted_out": flag_column(scored, "opted_out", missing=True),
                "frustration": frustrated & (at_risk | escalated),
                "asked_fewer_contacts": asked & at_risk,
                "saturation": saturated & at_risk,
                "lapsed": lapsed & at_risk,
                "drift": at_risk,
            },
            index=scored.index,
        )

    def in_quiet_period(self, day: dt.date) -> bool:
        """Whether ``day`` falls in one of the quiet periods."""
        return self.quiet_period_end(day) is not None

    def quiet_period_end(self, day: dt.date) -> dt.date | None:
        """The last day of the quiet period containing ``day``, or None outside them."""
        key = (day.month, day.day)
        for start, end in self.quiet_periods:
            wraps = start > end
            inside = (start <= key or key <= end) if wraps else (start <= key <= end)
            if inside:
                year = day.year + 1 if wraps and key >= start else day.year
                return date_of_month_day(year, end)
        return None

    def hold_until(self, day: dt.date) -> dt.date:
        """The end of a hold decided on ``day``: hold_days later, past any quiet period."""
        until = day + dt.timedelta(days=self.hold_days)
        quiet_end = self.quiet_period_end(day)
        if quiet_end is not None and quiet_end >= until:
            until = quiet_end + dt.timedelta(days=1)
        return until

    def _holdout_mask(self, keys: pd.Series, day: dt.date, eligible: np.ndarray) -> np.ndarray:
        """Deterministic hold-out draw by person and experiment period (``day`` is the
        period's first day), hashed only for eligible rows (hashing is the cost)."""
        mask = np.zeros(len(keys), dtype=bool)
        if self.holdout_share <= 0:
            return mask
        for position in np.flatnonzero(eligible):
            mask[position] = in_holdout(keys.iat[position], day, self.holdout_share)
        return mask

    def _decisions(self, frame: pd.DataFrame, reason: pd.Series, day: dt.date) -> pd.DataFrame:
        """Assemble the DECISIONS columns except the task text."""
        signals = self.signals(frame)
        probability = frame["probability"].to_numpy(dtype=float)
        action = reason.map(ACTION_BY_REASON)
        is_hold = reason.isin(HOLD_REASONS).to_numpy()
        write = action.isin(OUTREACH_ACTIONS).to_numpy() | (
            is_hold & (probability >= self.hold_threshold)
        )
        hold_until = self.hold_until(day)
        has_hold = is_hold | (reason == "holdout").to_numpy()
        escalated = signals["escalated"].to_numpy()
        return pd.DataFrame(
            {
                "contact_key": frame["contact_key"].astype(str).to_numpy(),
                "action": action.to_numpy(),
                "action_key": [action_key(key, day) for key in frame["contact_key"]],
                "probability": probability,
                "reason": reason.to_numpy(),
                "why": [
                    why_line(r, row, tone_threshold=self.tone_threshold)
                    for r, row in zip(reason, _records(frame), strict=True)
                ],
                "hold_until": np.where(has_hold, hold_until, None),
                "write": write,
                "priority": _priorities(action.to_numpy(), escalated),
                "due_date": _due_dates(action.to_numpy(), has_hold, day, hold_until),
                "opted_out": signals["opted_out"].to_numpy(),
                "escalated": escalated,
            }
        )

    def _with_task_text(self, decisions: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
        """Add subject and body to the rows that are written; keep the DECISIONS columns."""
        subjects: list[str | None] = [None] * len(decisions)
        bodies: list[str | None] = [None] * len(decisions)
        written = np.flatnonzero(decisions["write"].to_numpy())
        rows = decisions.iloc[written].to_dict("records")
        for position, row, scored in zip(written, rows, _records(frame.iloc[written]), strict=True):
            text = task_text(
                row["action"],
                why=row["why"],
                headline=headline(row["reason"], scored, tone_threshold=self.tone_threshold),
                hold_until=row["hold_until"],
                escalated=bool(row["escalated"]),
                industry=scored.get("industry"),
                title=scored.get("title"),
            )
            subjects[position], bodies[position] = text.subject, text.body
        decisions["subject"], decisions["body"] = subjects, bodies
        return decisions[list(DECISIONS.names)]


def _state_probabilities(scored: pd.DataFrame) -> np.ndarray:
    """(people, states) from the ``p_<state>`` columns; missing rows count as unknown."""
    probs = scored[list(STATE_COLUMNS)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    probs = np.where(np.isfinite(probs) & (probs >= 0), probs, 0.0)
    total = probs.sum(axis=1, keepdims=True)
    uniform = np.full_like(probs, 1.0 / probs.shape[1])
    return np.where(total > 0, probs / np.where(total > 0, total, 1.0), uniform)


def _uniform(key: str, day: dt.date, salt: str) -> float:
    """A deterministic uniform draw from ``sha256(key|day|salt)``."""
    import hashlib

    text = f"{key}|{day.isoformat()}|{salt}"
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") / 2.0**64


def decisions_table(decisions: pd.DataFrame) -> pa.Table:
    """Convert decisions to a pyarrow Table with the :data:`empathy.schema.DECISIONS` schema.

    Parameters
    ----------
    decisions : pandas.DataFrame
        The output of :meth:`EmpathyPolicy.decide`.

    Returns
    -------
    pyarrow.Table
        Ready to write as Parquet.
    """
    return pa.Table.from_pandas(decisions[DECISIONS.names], schema=DECISIONS, preserve_index=False)


# --- helpers ----------------------------------------------------------------------------------


def _priorities(action: np.ndarray, escalated: np.ndarray) -> np.ndarray:
    """High for escalated support notes, Normal for other outreach, Low for holds."""
    support = action == "support_note"
    return np.select(
        [support & escalated, np.isin(action, OUTREACH_ACTIONS)], ["High", "Normal"], "Low"
    )


def _due_dates(
    action: np.ndarray, has_hold: np.ndarray, day: dt.date, hold_until: dt.date
) -> np.ndarray:
    """Support notes are due next business day, offers in three, holds when they expire."""
    return np.select(
        [action == "support_note", action == "offer", has_hold],
        [business_days_after(day, 1), business_days_after(day, 3), hold_until],
        None,
    )


def _records(frame: pd.DataFrame) -> Iterable[dict]:
    """Rows as dicts (fast enough for millions of rows, unlike ``iterrows``)."""
    return frame.to_dict("records")


