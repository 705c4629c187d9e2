"""Plain-language reasons: which of a contact's features moved its score most.

Features are grouped by what a CRM user would recognise (cases, tone, declining activity,
silence, our own pressure, replies, spend). For each contact, each group is reset to the
typical value seen in training; the drop in probability that causes is the group's weight.
The heaviest groups that raise the risk become a short sentence, e.g. "2 open cases, one
escalated 5 days ago; activity down 70% vs its 90-day average".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: group -> features that are reset together
REASON_GROUPS = {
    "cases": (
        "open_cases",
        "escalated_open_cases",
        "escalations_28d",
        "case_7d",
        "case_28d",
        "case_90d",
        "days_since_last_escalation",
        "oldest_open_case_days",
        "cases_closed_28d",
    ),
    "tone": (
        "tone_mean_28d",
        "tone_mean_90d",
        "tone_mean_prior",
        "tone_trend",
        "complaints_28d",
        "complaints_90d",
        "negative_messages_28d",
        "last_messages_negative",
        "last_messages_scored",
    ),
    "decline": (
        "activity_trend",
        "activity_trend_7d",
        "email_trend",
        "meeting_trend",
        "engaged_7d",
        "engaged_28d",
        "gap_change",
        "mean_gap_90d",
        "engaged_vs_lifetime",
        "email_7d",
        "email_28d",
        "call_7d",
        "call_28d",
        "meeting_7d",
        "meeting_28d",
    ),
    "silence": (
        "days_since_last_activity",
        "days_since_last_engaged",
        "overdue_ratio",
        "days_since_last_inbound",
        "inbound_7d",
        "inbound_28d",
        "p_alive",
        "p_quiet_28d",
        "quiet_gap_probability",
        "expected_engaged_28d",
    ),
    "fatigue": (
        "touches_out_7d",
        "touches_out_28d",
        "outbound_7d",
        "outbound_28d",
        "days_since_last_touch",
        "asked_fewer_contacts",
    ),
    "replies": (
        "reply_rate_90d",
        "inbound_share_90d",
        "unanswered_inbound",
        "days_since_last_outbound",
    ),
    "spend": (
        "spend_90d",
        "spend_365d",
        "days_since_last_purchase",
        "purchase_7d",
        "purchase_28d",
        "purchase_90d",
        "purchase_trend",
        "repeat_purchase_days",
    ),
}
#: every column the sentences read
TEXT_COLUMNS = tuple(
    dict.fromkeys([c for g in REASON_GROUPS.values() for c in g] + ["mean_gap_days"])
)
#: a group must move the probability by at least this much to be named
MIN_EFFECT = 0.02
NOT_AT_RISK = "no sign of an engagement drop"


def _plural(count: float, noun: str, plural: str | None = None) -> str:
    count = int(round(count))
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _cases(row) -> str:
    text = _plural(row.get("open_cases", 0), "open case")
    if row.get("escalated_open_cases", 0) >= 1 or row.get("escalations_28d", 0) >= 1:
        days = row.get("days_since_last_escalation")
        when = f" {days:.0f} days ago" if pd.notna(days) else ""
        text += f", one escalated{when}"
    return text


def _tone(row) -> str:
    negative, scored = row.get("last_messages_negative", 0), row.get("last_messages_scored", 0)
    if negative >= 2:
        return f"last {int(negative)} of {int(scored)} inbound messages negative"
    if row.get("complaints_28d", 0) >= 1:
        return _plural(row["complaints_28d"], "complaint") + " in the last 28 days"
    tone = row.get("tone_mean_28d")
    return (
        f"message tone {tone:+.1f} over 28 days"
        if pd.notna(tone)
        else "no messages from them in 28 days"
    )


def _decline(row) -> str:
    trend = row.get("activity_trend", 1.0)
    if trend < 1.0:
        return f"activity down {100 * (1 - trend):.0f}% vs its 90-day average"
    return f"activity up {100 * (trend - 1):.0f}% vs its 90-day average"


def _silence(row) -> str:
    days, gap = row.get("days_since_last_activity"), row.get("mean_gap_days")
    text = f"no activity for {days:.0f} days"
    return text + (f" (usually every {gap:.0f})" if pd.notna(gap) and gap >= 1 else "")


def _fatigue(row) -> str:
    text = _plural(row.get("touches_out_28d", 0), "touch", "touches") + " from us in 28 days"
    return text + ("; asked for fewer contacts" if row.get("asked_fewer_contacts") else "")


def _replies(row) -> str:
    if row.get("unanswered_inbound"):
        return "their last message is still waiting for our reply"
    rate = row.get("reply_rate_90d")
    return f"{rate:.1f} replies per message we send" if pd.notna(rate) else "no replies to us"


def _spend(row) -> str:
    days = row.get("days_since_last_purchase")
    if pd.notna(days):
        return f"no purchase for {days:.0f} days"
    return "no purchases yet"


_TEXT = {
    "cases": _cases,
    "tone": _tone,
    "decline": _decline,
    "silence": _silence,
    "fatigue": _fatigue,
    "replies": _replies,
    "spend": _spend,
}


def group_effects(model, matrix: np.ndarray, probability: np.ndarray) -> pd.DataFrame:
    """How much each reason group raises each row's probability above the typical contact.

    Returns
    -------
    pandas.DataFrame
        One column per group present in the model, one row per matrix row.
    """
    index = {name: i for i, name in enumerate(model.feature_names_in_)}
    effects = {}
    for group, members in REASON_GROUPS.items():
        columns = [index[name] for name in members if name in index]
        if not columns:
            continue
        reset = matrix.copy()
        reset[:, columns] = model.reference_[columns]
        effects[group] = probability - model.predict_matrix(reset)
    return pd.DataFrame(effects)


def reason_texts(effects: pd.DataFrame, rows: pd.DataFrame, *, top: int = 2) -> list[str]:
    """Turn group effects and feature values into one short sentence per row."""
    texts = []
    values = effects.to_numpy()
    order = np.argsort(-values, axis=1)[:, :top]
    records = rows.to_dict("records")
    for i, record in enumerate(records):
        parts = [_TEXT[effects.columns[j]](record) for j in order[i] if values[i, j] >= MIN_EFFECT]
        texts.append("; ".join(parts) if parts else NOT_AT_RISK)
    return texts


def describe(rows: pd.DataFrame) -> np.ndarray:
    """A cheap, vectorised description (silence and trend) for contacts not explained."""
    days = rows["days_since_last_activity"].fillna(0).round().astype("int64").astype(str)
    change = (100 * (1 - rows["activity_trend"].fillna(1.0))).round().astype("int64")
    trend = np.where(
        change > 0,
        "; activity down " + change.astype(str) + "% vs its 90-day average",
        "",
    )
    return ("no activity for " + days + " days" + trend).to_numpy(dtype=object)
