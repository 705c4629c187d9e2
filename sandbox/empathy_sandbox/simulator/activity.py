"""What people do in one week, given their hidden states: Poisson counts per channel, drawn for
everyone at once, timestamps sampled within the week, text by vectorised template indexing,
and the cases frustrated people open (with their escalation and closing, possibly in the
future).

A *batch* is a dict of equal-length numpy arrays with the activity columns of
``sandbox.world`` (codes instead of strings for ``crm``, ``kind`` and ``direction``).
"""

from __future__ import annotations

import numpy as np

from empathy_sandbox.simulator import texts
from empathy_sandbox.simulator.config import INBOUND_CHANNELS, OUTBOUND_CHANNELS, SimConfig
from empathy_sandbox.simulator.dynamics import DAY_NS

KIND = {"email": 0, "call": 1, "meeting": 2, "note": 3, "purchase": 4}  # ACTIVITY_KINDS order
INBOUND, OUTBOUND = 0, 1
SALESFORCE, HUBSPOT = 0, 1
_CHANNEL_KIND = {"email_in": "email", "call_in": "call", "meeting": "meeting",
                 "purchase": "purchase", "case_open": "email", "email_out": "email",
                 "call_out": "call", "note": "note"}
BATCH_KEYS = ("person", "crm", "ts", "kind", "direction", "subject", "text", "amount", "case_id")


class People:
    """The per-person arrays the weekly simulation needs (0-based positions, not ids)."""

    def __init__(self, people, traits: dict):
        self.n = len(people)
        self.in_sf = people["in_salesforce"].to_numpy(dtype=bool)
        self.in_hs = people["in_hubspot"].to_numpy(dtype=bool)
        self.traits = traits


def sample_ts(week_ns: int, weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Instants within a week: the day by its weight, the time of day around office hours."""
    cum = np.cumsum(weights) / weights.sum()
    day = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), 6)
    seconds = 7 * 3600 + rng.beta(2.0, 2.5, n) * 13 * 3600  # mostly office hours, no pile-ups
    return week_ns + day * DAY_NS + (seconds.astype(np.int64) * 10**9)


def choose_crm(pos: np.ndarray, people: People, config: SimConfig,
               rng: np.random.Generator) -> np.ndarray:
    """Where each activity is recorded: a CRM the person lives in."""
    share = config.section("population")["both_salesforce_share"]
    sf = people.in_sf[pos] & (~people.in_hs[pos] | (rng.random(len(pos)) < share))
    return np.where(sf, SALESFORCE, HUBSPOT).astype(np.int8)


def _batch(pos, ts, kind, direction, subject, text, amount=None, case_id=None) -> dict:
    """Assemble a batch, filling the optional columns with their 'missing' values."""
    n = len(pos)
    return {
        "person": pos, "ts": ts,
        "kind": np.full(n, KIND[kind], dtype=np.int8) if isinstance(kind, str) else kind,
        "direction": np.full(n, direction, dtype=np.int8),
        "subject": subject, "text": text,
        "amount": np.full(n, np.nan) if amount is None else amount,
        "case_id": np.full(n, -1, dtype=np.int64) if case_id is None else case_id,
    }


def concat(batches: list[dict]) -> dict:
    """One batch from many (an empty batch if there are none)."""
    if not batches:
        return empty_batch()
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def empty_batch() -> dict:
    """A batch with no rows and the right dtypes."""
    obj = np.array([], dtype=object)
    return {"person": np.array([], dtype=np.int64), "crm": np.array([], dtype=np.int8),
            "ts": np.array([], dtype=np.int64), "kind": np.array([], dtype=np.int8),
            "direction": np.array([], dtype=np.int8), "subject": obj, "text": obj,
            "amount": np.array([], dtype=float), "case_id": np.array([], dtype=np.int64)}


def _notes_or_blank(states: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A rep's note on a share of calls, blank on the rest."""
    text = np.full(len(states), "", dtype=object)
    noted = rng.random(len(states)) < share
    text[noted] = texts.rep_notes(states[noted], rng)
    return text


def _channel_batch(channel: str, pos: np.ndarray, ts: np.ndarray, states: np.ndarray,
                   config: SimConfig, rng: np.random.Generator) -> dict:
    """Activities of one channel (except cases) with subjects and text following the state."""
    n, kind = len(pos), _CHANNEL_KIND[channel]
    st = states[pos]
    if channel == "email_in":
        subject, text = texts.inbound_emails(texts.choose_tones(st, config.tone_mix, rng), rng)
        return _batch(pos, ts, kind, INBOUND, subject, text)
    if channel == "email_out":
        subject, text = texts.outbound_emails(n, rng)
        return _batch(pos, ts, kind, OUTBOUND, subject, text)
    if channel == "note":
        subject = np.full(n, "Note", dtype=object)
        return _batch(pos, ts, kind, OUTBOUND, subject, texts.rep_notes(st, rng))
    if channel in ("call_in", "call_out"):
        inbound = channel == "call_in"
        bank = texts.CALL_IN_SUBJECTS if inbound else texts.CALL_OUT_SUBJECTS
        return _batch(pos, ts, kind, INBOUND if inbound else OUTBOUND, texts.pick(bank, n, rng),
                      _notes_or_blank(st, 0.4 if inbound else 0.25, rng))
    blank = np.full(n, "", dtype=object)
    if channel == "meeting":
        return _batch(pos, ts, kind, INBOUND, texts.pick(texts.MEETING_SUBJECTS, n, rng), blank)
    purchases = config.section("purchases")
    amount = np.round(purchases["median_amount"] * np.exp(rng.normal(0, purchases["sigma"], n)),
                      2)
    return _batch(pos, ts, kind, INBOUND, texts.pick(texts.PURCHASE_SUBJECTS, n, rng), blank,
                  amount=amount)


def _draw_channel(rates: np.ndarray, states: np.ndarray, multiplier: np.ndarray, mass: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Positions of people, repeated once per event of a Poisson channel this week."""
    counts = rng.poisson(rates[states] * multiplier * mass)
    return np.repeat(np.arange(len(states)), counts)


def open_cases(pos: np.ndarray, ts: np.ndarray, states: np.ndarray, first_id: int,
               config: SimConfig, rng: np.random.Generator) -> tuple[dict, dict]:
    """New cases (with planned escalation / closing times) and their follow-up activities.

    Returns the cases as arrays, and a batch: the opening inbound e-mail, a rep's escalation
    note and the closing e-mail, each at its own (possibly future) time.
    """
    n, cfg = len(pos), config.section("cases")
    st = states[pos]
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    escalated = rng.random(n) < np.array(cfg["escalation_prob"])[st]
    esc_at = ts + ((0.5 + rng.exponential(cfg["escalation_delay_days"], n)) * DAY_NS).astype(
        np.int64)
    close_days = rng.exponential(np.array(cfg["close_days"])[st]) + 0.2
    close_days *= np.where(escalated, cfg["escalated_close_factor"], 1.0)
    close_at = np.where(escalated, esc_at, ts) + (close_days * DAY_NS).astype(np.int64)
    esc_at, close_at = esc_at // 10**9 * 10**9, close_at // 10**9 * 10**9  # whole seconds
    u = rng.random(n)
    high, low = np.array(cfg["high_priority_prob"])[st], np.array(cfg["low_priority_prob"])[st]
    priority = np.where(u < high, "High", np.where(u > 1 - low, "Low", "Medium")).astype(object)
    upset = rng.random(n) < np.array(cfg["upset_text_prob"])[st]
    subject, description = texts.case_texts(upset, rng)
    cases = {"id": ids, "person": pos, "opened_at": ts, "escalated_at": esc_at,
             "escalated": escalated, "closed_at": close_at, "subject": subject,
             "description": description, "priority": priority}
    esc = np.flatnonzero(escalated)
    batch = concat([
        _batch(pos, ts, "email", INBOUND, subject, description, case_id=ids),
        _batch(pos[esc], esc_at[esc], "note", OUTBOUND, "Escalated: " + subject[esc],
               texts.rep_notes(st[esc], rng), case_id=ids[esc]),
        _batch(pos, close_at, "email", OUTBOUND, "Closed: " + subject,
               np.full(n, "Your case has been closed. Reply to this e-mail to reopen it.",
                       dtype=object), case_id=ids),
    ])
    return cases, batch


def simulate_week(config: SimConfig, people: People, states: np.ndarray, week_ns: int,
                  weights: np.ndarray, first_case_id: int,
                  rng: np.random.Generator) -> tuple[dict, dict]:
    """All activities (a batch, with crm) and new cases of one week for everyone."""
    mass = weights.sum() / 7.0  # 1.0 in an ordinary week, less in a quiet one
    batches, cases = [], None
    plans = [(c, config.inbound[i], people.traits["activity"])
             for i, c in enumerate(INBOUND_CHANNELS)]
    plans += [(c, config.outbound[i], people.traits["outreach"])
              for i, c in enumerate(OUTBOUND_CHANNELS)]
    for channel, rates, multiplier in plans:
        pos = _draw_channel(rates, states, multiplier, mass, rng)
        ts = sample_ts(week_ns, weights, len(pos), rng)
        if channel == "case_open":
            cases, batch = open_cases(pos, ts, states, first_case_id, config, rng)
        else:
            batch = _channel_batch(channel, pos, ts, states, config, rng)
        batches.append(batch)
    batch = concat(batches)
    batch["crm"] = choose_crm(batch["person"], people, config, rng)
    # A case and all its e-mails and notes live in one CRM.
    cases["crm"] = choose_crm(cases["person"], people, config, rng)
    in_case = batch["case_id"] >= 0
    batch["crm"][in_case] = cases["crm"][batch["case_id"][in_case] - first_case_id]
    return batch, cases
