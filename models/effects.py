"""What each action does to a person in each state: the effects behind the expected gain.

An effect is the reduction in the probability of an engagement drop over the horizon when a
person in a given state receives an action (negative = harm). Until outcomes are logged, the
effects are the product brief's words written as modest numbers (:data:`PRIOR_EFFECTS`): a
support note helps the frustrated, an offer helps the drifting, an offer insults the
frustrated, any outreach hurts the overwhelmed, nothing brings back the gone. ``fit`` learns
them from logged decisions (sticky hold-out and exploration, with their recorded propensities)
as a structured per-state model shrunk towards the prior.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from empathy_engine.models.state import STATES

OUTREACH = ("support_note", "offer")
#: Reduction in P(drop) per state, in :data:`models.state.STATES` order.
PRIOR_EFFECTS = np.array([
    # engaged drifting frustrated overwhelmed gone
    [0.00, 0.02, 0.08, -0.06, 0.00],  # support_note
    [0.00, 0.08, -0.08, -0.08, 0.00],  # offer
])
#: States in which an action counts as harmful (and is measured so).
HARMFUL = np.array([
    [False, False, False, True, False],  # support_note
    [False, False, True, True, False],  # offer
])


@dataclass(frozen=True)
class EffectModel:
    """Per-state effects of the outreach actions and the harm aversion of the gain."""

    effects: np.ndarray = field(default_factory=PRIOR_EFFECTS.copy)  # (actions, states)
    harm_aversion: float = 1.0  # expected harm counts (1 + this) times against the benefit
    source: str = "prior"

    def harm_probability(self, state_probs: np.ndarray) -> np.ndarray:
        """(people, actions) probability that the action lands on a state it harms."""
        return state_probs @ HARMFUL.T.astype(float)

    def expected_gain(self, state_probs: np.ndarray) -> np.ndarray:
        """(people, actions): sum_s P(s) effect(s, a), minus the harm it risks.

        The harm term is ``harm_aversion x sum_s P(s) max(0, -effect(s, a))``, so a risky
        action must promise more than a safe one with the same mean.
        """
        benefit = state_probs @ self.effects.T
        harm = state_probs @ np.maximum(0.0, -self.effects).T
        return benefit - self.harm_aversion * harm

    @classmethod
    def fit(cls, state_probs: np.ndarray, action: np.ndarray, dropped: np.ndarray,
            propensity: np.ndarray, *, prior: np.ndarray = PRIOR_EFFECTS,
            strength: float = 200.0) -> EffectModel:
        """Learn per-state effects from logged outcomes (structured, shrunk to the prior).

        ``dropped[i] = sum_s P_is base_s - [action_i = a] sum_s P_is effect_{a,s} + noise``,
        fitted by weighted least squares with weights ``1 / propensity`` (the logged
        assignment probability) and a ridge penalty of ``strength`` pulling each effect
        towards its prior; the untreated rows (hold-out, silence) identify the baseline.
        """
        probs = np.asarray(state_probs, dtype=float)
        k = probs.shape[1]
        columns = [probs] + [-(np.asarray(action) == a).astype(float)[:, None] * probs
                             for a in OUTREACH]
        design = np.hstack(columns)
        weight = 1.0 / np.clip(np.asarray(propensity, dtype=float), 0.01, 1.0)
        target = np.asarray(dropped, dtype=float)
        penalty = np.zeros(design.shape[1])
        penalty[k:] = strength
        centre = np.concatenate([np.zeros(k), prior.ravel()])
        gram = design.T @ (design * weight[:, None]) + np.diag(penalty) + 1e-6 * np.eye(
            design.shape[1])
        rhs = design.T @ (weight * target) + penalty * centre
        solution = np.linalg.solve(gram, rhs)
        return cls(effects=solution[k:].reshape(len(OUTREACH), len(STATES)), source="learned")


def harm_threshold(gain: np.ndarray, harm: np.ndarray, *, budget: float,
                   min_gain: float) -> float:
    """The smallest gain threshold whose targets keep the mean harm probability in budget.

    Candidates are ranked by expected gain; the threshold is the gain of the last person of
    the longest prefix with mean harm probability <= ``budget`` (and gain >= ``min_gain``).
    Returns ``inf`` when nobody qualifies.
    """
    ok = np.flatnonzero(gain >= min_gain)
    if not len(ok):
        return float("inf")
    order = ok[np.argsort(-gain[ok], kind="stable")]
    mean_harm = np.cumsum(harm[order]) / np.arange(1, len(order) + 1)
    within = np.flatnonzero(mean_harm <= budget)
    if not len(within):
        return float("inf")
    return float(gain[order[within[-1]]])
