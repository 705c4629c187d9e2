"""The person's likely state, inferred from their activity *sequence* against their own baseline.

States: engaged, drifting, frustrated, overwhelmed, gone. Each person's history is cut into
weeks (week 0 = the seven days before the cutoff) and each week is a vector of counts on a few
channels (:data:`CHANNELS`). A hidden-Markov model reads the sequence:

* emissions are Poisson per channel, with a rate ``baseline[person] x rate[state, channel]``
  on the activity channels, where ``baseline`` is the person's own activity level against the
  customer's average (shrunk towards 1 for short or sparse histories), so a quiet person is
  not "drifting" merely for being quiet;
* transitions and rates are fitted by EM (Baum-Welch) on **this customer's own history**. The
  starting point is a description of each state in words turned into multiples of the
  customer's own average rates (:data:`STATE_PROFILES`: engaged = busier than usual, drifting
  = well below their usual, frustrated = cases and complaints, overwhelmed = "fewer
  contacts" requests, gone = nearly nothing); a weak prior keeps each fitted state near its
  meaning, so the labels stay attached to the right states;
* the filter (forward pass) gives ``P(state this week | history)`` per person.

Nothing here is taken from the sandbox simulator: the simulator was written next to the
policy, so the model learns its numbers from the data it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from empathy_engine.models.features import to_utc_timestamp

STATES = ("engaged", "drifting", "frustrated", "overwhelmed", "gone")
ENGAGED, DRIFTING, FRUSTRATED, OVERWHELMED, GONE = range(len(STATES))
#: Weekly count channels: the contact's own messages and calls, purchases, meetings,
#: case openings and escalations, complaints (complaint flag or negative tone), and
#: "fewer contacts" requests.
CHANNELS = ("messages", "purchases", "meetings", "cases", "complaints", "fewer_contacts")
#: Channels whose rate scales with the person's own activity level.
ACTIVITY_CHANNELS = np.array([True, True, True, False, False, False])
#: Each state's rates as multiples of the customer's average weekly rate per channel: the
#: words of the product brief, not fitted numbers (EM fits them).
STATE_PROFILES = np.array([
    #  messages purchases meetings cases complaints fewer
    [1.5, 1.5, 1.5, 0.4, 0.3, 0.2],  # engaged: busier than their usual
    [0.45, 0.45, 0.4, 0.4, 0.3, 0.3],  # drifting: well below their usual, no friction
    [1.2, 0.3, 0.5, 6.0, 5.0, 0.5],  # frustrated: cases, escalations, complaints
    [0.3, 0.4, 0.3, 0.6, 0.5, 12.0],  # overwhelmed: asks for fewer contacts, replies less
    [0.03, 0.02, 0.02, 0.05, 0.05, 0.2],  # gone: nearly nothing
])
NEGATIVE_TONE = -0.3
COUNT_CAP = 6  # a week's count per channel is capped (one burst is not six weeks' evidence)


@dataclass
class StateModel:
    """A fitted HMM over weekly activity counts (see the module docstring)."""

    rates: np.ndarray  # (states, channels)
    transitions: np.ndarray  # (states, states), row = from
    initial: np.ndarray  # (states,)
    channel_means: np.ndarray  # (channels,) the customer's average weekly counts
    log_likelihood: list[float] = field(default_factory=list)

    def filter(self, counts: np.ndarray, baseline: np.ndarray,
               observed: np.ndarray) -> np.ndarray:
        """(people, states) P(state in the last week | all weeks), by the forward pass."""
        emission = self._emission(counts, baseline)
        alpha, _ = _forward(emission, observed, self.transitions, self.initial)
        return alpha[:, -1]

    def _emission(self, counts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
        return _poisson_likelihood(counts, baseline, self.rates)


def weekly_counts(activities: pd.DataFrame, cutoff, weeks: int,
                  contact_keys: pd.Index | None = None) -> tuple[pd.Index, np.ndarray]:
    """(contact_keys, counts[people, weeks, channels]) oldest week first, last = week 0."""
    cutoff_ts = to_utc_timestamp(cutoff)
    frame = activities[pd.to_datetime(activities["ts"], utc=True) < cutoff_ts]
    keys = contact_keys if contact_keys is not None else pd.Index(
        activities["contact_key"].dropna().unique())
    counts = np.zeros((len(keys), weeks, len(CHANNELS)), dtype=np.float64)
    if frame.empty or not len(keys):
        return keys, counts
    age = (cutoff_ts - pd.to_datetime(frame["ts"], utc=True)).dt.total_seconds().to_numpy()
    week = (weeks - 1 - np.floor(age / (7 * 86400))).astype(np.int64)
    person = keys.get_indexer(frame["contact_key"])
    kind = frame["kind"].astype(str).to_numpy()
    inbound = frame["direction"].astype(str).to_numpy() == "inbound"
    tone = pd.to_numeric(frame.get("tone"), errors="coerce")
    tone = (tone.to_numpy(dtype=float) if tone is not None
            else np.full(len(frame), np.nan))
    complaint = _flag(frame, "complaint") | (tone <= NEGATIVE_TONE)
    fewer = _flag(frame, "asked_fewer_contacts")
    channel_rows = [
        inbound & np.isin(kind, ("email", "call")),
        kind == "purchase",
        kind == "meeting",
        np.isin(kind, ("case_opened", "case_escalated")),
        inbound & complaint,
        inbound & fewer,
    ]
    keep = (week >= 0) & (person >= 0)
    for c, rows in enumerate(channel_rows):
        sel = keep & rows
        np.add.at(counts, (person[sel], week[sel], c), 1.0)
    return keys, np.minimum(counts, COUNT_CAP)


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


def observed_weeks(created_at: pd.Series | None, cutoff, weeks: int, n: int) -> np.ndarray:
    """(people, weeks) bool: the weeks after the person's record was created."""
    if created_at is None:
        return np.ones((n, weeks), dtype=bool)
    created = pd.to_datetime(created_at, utc=True)
    age = (to_utc_timestamp(cutoff) - created).dt.total_seconds().to_numpy() / (7 * 86400)
    age = np.where(np.isnan(age), weeks, age)
    return (weeks - 1 - np.arange(weeks))[None, :] < np.ceil(age)[:, None]


def person_baseline(counts: np.ndarray, observed: np.ndarray, means: np.ndarray,
                    prior_weeks: float = 8.0) -> np.ndarray:
    """Each person's activity level against the customer's average, shrunk towards 1."""
    activity = counts[:, :, ACTIVITY_CHANNELS].sum(axis=2)
    expected = means[ACTIVITY_CHANNELS].sum()
    seen = observed.sum(axis=1)
    total = (activity * observed).sum(axis=1)
    level = (total + prior_weeks * expected) / (expected * (seen + prior_weeks))
    return np.clip(level, 0.25, 4.0)


def fit(counts: np.ndarray, observed: np.ndarray, *, iterations: int = 12,
        prior_strength: float = 30.0, max_people: int = 20_000, seed: int = 0) -> StateModel:
    """Fit the HMM by EM on (a sample of) the customer's own weekly sequences."""
    rng = np.random.default_rng(seed)
    if len(counts) > max_people:
        pick = rng.choice(len(counts), max_people, replace=False)
        counts, observed = counts[pick], observed[pick]
    means = _channel_means(counts, observed)
    baseline = person_baseline(counts, observed, means)
    prior_rates = STATE_PROFILES * means[None, :]
    k = len(STATES)
    model = StateModel(rates=prior_rates.copy(),
                       transitions=np.full((k, k), 0.15 / (k - 1)) + np.eye(k) * (0.85 - 0.15 / (
                           k - 1)),
                       initial=np.full(k, 1.0 / k), channel_means=means)
    scale = np.where(ACTIVITY_CHANNELS[None, None, :], baseline[:, None, None], 1.0)
    for _ in range(iterations):
        emission = model._emission(counts, baseline)
        alpha, log_c = _forward(emission, observed, model.transitions, model.initial)
        beta = _backward(emission, observed, model.transitions, log_c)
        gamma = alpha * beta
        gamma /= gamma.sum(axis=2, keepdims=True)
        gamma *= observed[:, :, None]
        # transitions: expected counts of (i -> j) between consecutive observed weeks
        both = observed[:, :-1] & observed[:, 1:]
        xi = (alpha[:, :-1, :, None] * model.transitions[None, None]
              * (emission[:, 1:] * beta[:, 1:])[:, :, None, :])
        xi /= np.maximum(xi.sum(axis=(2, 3), keepdims=True), 1e-300)
        xi_sum = (xi * both[:, :, None, None]).sum(axis=(0, 1)) + 2.0 * np.eye(k) + 0.1
        model.transitions = xi_sum / xi_sum.sum(axis=1, keepdims=True)
        first = np.argmax(observed, axis=1)
        start = gamma[np.arange(len(gamma)), first] + 1.0
        model.initial = start.sum(axis=0) / start.sum()
        weighted = np.einsum("ntk,ntc->kc", gamma, counts)
        exposure = np.einsum("ntk,ntc->kc", gamma, np.broadcast_to(scale, counts.shape))
        model.rates = (weighted + prior_strength * prior_rates) / (exposure + prior_strength)
        model.log_likelihood.append(float(log_c.sum()))
    return model


def infer_states(activities: pd.DataFrame, contacts: pd.DataFrame | None, cutoff, *,
                 weeks: int = 26, contact_keys=None, model: StateModel | None = None,
                 seed: int = 0) -> pd.DataFrame:
    """``contact_key`` and ``p_<state>`` per person: P(state this week | activity history).

    Fits the HMM on these people's own history unless a fitted ``model`` is given.
    """
    if contact_keys is None and contacts is not None:
        contact_keys = contacts["contact_key"].dropna().unique()
    keys = pd.Index(contact_keys) if contact_keys is not None else None
    keys, counts = weekly_counts(activities, cutoff, weeks, keys)
    created = None
    if contacts is not None and "created_at" in contacts:
        created = contacts.groupby("contact_key")["created_at"].min().reindex(keys)
    observed = observed_weeks(created, cutoff, weeks, len(keys))
    observed[:, -1] = True  # the current week always counts
    if model is None:
        model = fit(counts, observed, seed=seed)
    baseline = person_baseline(counts, observed, model.channel_means)
    posterior = model.filter(counts, baseline, observed)
    posterior = fatigue_adjusted(posterior, outreach_intensity(activities, cutoff, keys))
    out = pd.DataFrame(posterior, columns=[f"p_{s}" for s in STATES])
    out.insert(0, "contact_key", np.asarray(keys, dtype=object))
    out["state"] = np.array(STATES, dtype=object)[posterior.argmax(axis=1)]
    return out


STATE_COLUMNS = tuple(f"p_{s}" for s in STATES)
OUTREACH_KINDS = ("email", "call", "note")


def outreach_intensity(activities: pd.DataFrame, cutoff, keys: pd.Index,
                       days: int = 84) -> np.ndarray:
    """Our outbound touches per person over ``days`` against the median of their peers."""
    cutoff_ts = to_utc_timestamp(cutoff)
    ts = pd.to_datetime(activities["ts"], utc=True)
    sel = ((ts < cutoff_ts) & (ts >= cutoff_ts - pd.Timedelta(days=days))
           & (activities["direction"].astype(str) == "outbound")
           & activities["kind"].astype(str).isin(OUTREACH_KINDS))
    person = keys.get_indexer(activities.loc[sel, "contact_key"])
    touches = np.bincount(person[person >= 0], minlength=len(keys)).astype(float)
    return (touches + 1.0) / (np.median(touches) + 1.0) if len(keys) else touches


def fatigue_adjusted(posterior: np.ndarray, intensity: np.ndarray) -> np.ndarray:
    """Weigh "overwhelmed" by how hard we have been contacting the person (the fatigue
    guard: over-contacting is what overwhelms people); rows renormalised."""
    out = posterior.copy()
    out[:, OVERWHELMED] *= np.clip(intensity, 0.5, 3.0)
    return out / out.sum(axis=1, keepdims=True)


# --- the HMM's arithmetic (vectorised over people) --------------------------------------------


def _channel_means(counts: np.ndarray, observed: np.ndarray) -> np.ndarray:
    weeks = max(observed.sum(), 1)
    means = (counts * observed[:, :, None]).sum(axis=(0, 1)) / weeks
    return np.maximum(means, 1e-3)


def _poisson_likelihood(counts: np.ndarray, baseline: np.ndarray,
                        rates: np.ndarray) -> np.ndarray:
    """(people, weeks, states) likelihood of each week's counts (constant factors dropped)."""
    scale = np.where(ACTIVITY_CHANNELS[None, :], baseline[:, None], 1.0)  # (n, c)
    mu = scale[:, None, :] * rates[None, :, :]  # (n, k, c)
    log_mu = np.log(np.maximum(mu, 1e-12))
    loglik = np.einsum("ntc,nkc->ntk", counts, log_mu) - mu.sum(axis=2)[:, None, :]
    loglik -= loglik.max(axis=2, keepdims=True)
    return np.exp(loglik)


def _forward(emission, observed, transitions, initial):
    """Scaled forward pass; unobserved weeks (before the record existed) carry no evidence."""
    n, t, k = emission.shape
    alpha = np.empty((n, t, k))
    log_c = np.zeros((n, t))
    prev = np.broadcast_to(initial, (n, k))
    started = np.zeros(n, dtype=bool)
    for w in range(t):
        predicted = np.where(started[:, None], prev @ transitions, initial[None, :])
        e = np.where(observed[:, w, None], emission[:, w], 1.0)
        a = predicted * e
        c = a.sum(axis=1, keepdims=True)
        a /= np.maximum(c, 1e-300)
        log_c[:, w] = np.where(observed[:, w], np.log(np.maximum(c[:, 0], 1e-300)), 0.0)
        alpha[:, w] = a
        started |= observed[:, w]
        prev = a
    return alpha, log_c


def _backward(emission, observed, transitions, log_c):
    n, t, k = emission.shape
    beta = np.ones((n, t, k))
    for w in range(t - 2, -1, -1):
        e = np.where(observed[:, w + 1, None], emission[:, w + 1], 1.0)
        b = (e * beta[:, w + 1]) @ transitions.T
        beta[:, w] = b / np.maximum(b.sum(axis=1, keepdims=True), 1e-300) * k
    return beta
