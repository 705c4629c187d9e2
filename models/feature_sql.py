"""The DuckDB query behind :func:`models.features.build_features`.

It reads two relations registered by the caller and one parameter:

``scored``    activities with ``tone``, ``complaint`` and ``fewer_contacts`` resolved
``people``    one row per contact_key: ``opted_out`` and ``created_at`` (may be empty)
``$cutoff``   the cutoff as epoch seconds; only rows with ``ts < cutoff`` are read

Every window is measured in days *before* the cutoff (``age``), so the same query serves
training (past cutoffs) and nightly scoring (today's cutoff).
"""

from __future__ import annotations

#: windows (days before the cutoff) for the count features
WINDOWS = (7, 28, 90)

#: channel name -> SQL condition on an activity row
CHANNELS = {
    "email": "kind = 'email'",
    "call": "kind = 'call'",
    "meeting": "kind = 'meeting'",
    "note": "kind = 'note'",
    "case": "kind = 'case_opened'",
    "purchase": "kind = 'purchase'",
}

#: the contact did something: wrote, called, met, opened a case or bought
ENGAGED = (
    "kind IN ('email', 'call', 'meeting', 'case_opened', 'purchase') "
    "AND (direction IS DISTINCT FROM 'outbound' OR kind IN ('meeting', 'purchase'))"
)
#: we reached out: the fatigue signal
TOUCH = "direction = 'outbound' AND kind IN ('email', 'call', 'meeting')"
#: text that speaks for the contact: their messages, cases, and reps' notes about them
VOICE = "(direction = 'inbound' OR kind IN ('note', 'case_opened', 'case_escalated'))"
#: a message counts as negative below this tone
NEGATIVE_TONE = -0.05


_WINDOW_COUNTED = {
    **CHANNELS,
    "inbound": "direction = 'inbound'",
    "outbound": "direction = 'outbound'",
    "engaged": "engaged",
}

#: integer-valued feature columns (0 for a contact without activity)
COUNT_COLUMNS = (
    *(f"{name}_{days}d" for name in _WINDOW_COUNTED for days in WINDOWS),
    "engaged_total",
    "engaged_days",
    "touches_out_7d",
    "touches_out_28d",
    "escalations_28d",
    "complaints_28d",
    "complaints_90d",
    "negative_messages_28d",
    "purchases_total",
    "purchase_days",
    "last_messages_negative",
    "last_messages_scored",
    "repeat_purchase_days",
    "open_cases",
    "escalated_open_cases",
    "cases_closed_28d",
)
#: true/false feature columns
FLAG_COLUMNS = ("opted_out", "asked_fewer_contacts", "unanswered_inbound")


def _window_counts() -> list[str]:
    return [
        f"count(*) FILTER (WHERE {condition} AND age < {days}) AS {name}_{days}d"
        for name, condition in _WINDOW_COUNTED.items()
        for days in WINDOWS
    ]


def _activity_aggregates() -> str:
    columns = _window_counts() + [
        "count(*) FILTER (WHERE engaged) AS engaged_total",
        "count(DISTINCT day) FILTER (WHERE engaged) AS engaged_days",
        "min(age) FILTER (WHERE engaged) AS days_since_last_engaged",
        "max(age) FILTER (WHERE engaged) AS days_since_first_engaged",
        "max(age) FILTER (WHERE engaged AND age < 90) AS first_engaged_age_90d",
        "max(age) AS days_since_first_activity",
        "count(*) FILTER (WHERE touch AND age < 7) AS touches_out_7d",
        "count(*) FILTER (WHERE touch AND age < 28) AS touches_out_28d",
        "min(age) FILTER (WHERE touch) AS days_since_last_touch",
        "min(age) FILTER (WHERE direction = 'inbound') AS days_since_last_inbound",
        "min(age) FILTER (WHERE direction = 'outbound') AS days_since_last_outbound",
        "count(*) FILTER (WHERE kind = 'case_escalated' AND age < 28) AS escalations_28d",
        "min(age) FILTER (WHERE kind = 'case_escalated') AS days_since_last_escalation",
        "avg(tone) FILTER (WHERE voice AND age < 28) AS tone_mean_28d",
        "avg(tone) FILTER (WHERE voice AND age < 90) AS tone_mean_90d",
        "avg(tone) FILTER (WHERE voice AND age >= 28 AND age < 90) AS tone_mean_prior",
        "count(*) FILTER (WHERE voice AND complaint AND age < 28) AS complaints_28d",
        "count(*) FILTER (WHERE voice AND complaint AND age < 90) AS complaints_90d",
        f"count(*) FILTER (WHERE voice AND tone < {NEGATIVE_TONE} AND age < 28)"
        " AS negative_messages_28d",
        "min_by(tone, age, 3) FILTER (WHERE voice AND tone IS NOT NULL) AS last_tones",
        "coalesce(bool_or(fewer_contacts) FILTER (WHERE voice AND age < 90), false)"
        " AS asked_fewer_contacts",
        "coalesce(sum(amount) FILTER (WHERE age < 90), 0) AS spend_90d",
        "coalesce(sum(amount) FILTER (WHERE age < 365), 0) AS spend_365d",
        "coalesce(sum(amount), 0) AS spend_total",
        "count(*) FILTER (WHERE kind = 'purchase') AS purchases_total",
        "count(DISTINCT day) FILTER (WHERE kind = 'purchase') AS purchase_days",
        "min(age) FILTER (WHERE kind = 'purchase') AS days_since_last_purchase",
        "max(age) FILTER (WHERE kind = 'purchase') AS days_since_first_purchase",
    ]
    return ",\n        ".join(columns)


def _ratio(numerator: str, denominator: str, default: str = "NULL") -> str:
    return f"CASE WHEN {denominator} > 0 THEN ({numerator}) / ({denominator}) ELSE {default} END"


def _trend(name: str) -> str:
    # last 28 days against the 90-day weekly average: 1.0 means unchanged
    return _ratio(f"{name}_28d * 90.0", f"{name}_90d * 28.0", "1.0")


def _final_columns() -> list[str]:
    trends = [f"{_trend(name)} AS {name}_trend" for name in ("email", "meeting", "purchase")]
    mean_gap = _ratio(
        "(a.days_since_first_engaged - a.days_since_last_engaged)", "(a.engaged_total - 1.0)"
    )
    mean_gap_90d = _ratio(
        "(a.first_engaged_age_90d - a.days_since_last_engaged)", "(a.engaged_90d - 1.0)"
    )
    tenure = "greatest(coalesce(a.days_since_first_activity, 0), coalesce(p.created_age, 0))"
    return [
        f"{_trend('engaged')} AS activity_trend",
        _ratio("engaged_7d * 4.0", "engaged_28d * 1.0", "1.0") + " AS activity_trend_7d",
        *trends,
        f"coalesce(a.days_since_last_engaged, {tenure}) AS days_since_last_activity",
        f"{mean_gap} AS mean_gap_days",
        _ratio("a.engaged_days * 30.0", "greatest(a.days_since_first_engaged, 28.0)")
        + " AS engaged_days_per_30d",
        f"{mean_gap_90d} AS mean_gap_90d",
        _ratio(f"({mean_gap_90d})", f"({mean_gap})") + " AS gap_change",
        _ratio("a.days_since_last_engaged", f"({mean_gap})") + " AS overdue_ratio",
        _ratio("inbound_90d * 1.0", "(inbound_90d + outbound_90d)") + " AS inbound_share_90d",
        _ratio("inbound_90d * 1.0", "outbound_90d * 1.0") + " AS reply_rate_90d",
        "coalesce(a.days_since_last_inbound < coalesce(a.days_since_last_outbound, 1e9), false)"
        " AS unanswered_inbound",
        "a.tone_mean_28d - a.tone_mean_prior AS tone_trend",
        f"coalesce(len(list_filter(a.last_tones, lambda t: t < {NEGATIVE_TONE})), 0)"
        " AS last_messages_negative",
        "coalesce(len(a.last_tones), 0) AS last_messages_scored",
        "greatest(coalesce(a.purchase_days, 0) - 1, 0) AS repeat_purchase_days",
        _ratio("a.spend_total", "a.purchases_total * 1.0") + " AS avg_purchase_amount",
        f"{tenure} AS tenure_days",
        "coalesce(c.open_cases, 0) AS open_cases",
        "coalesce(c.escalated_open_cases, 0) AS escalated_open_cases",
        "coalesce(c.cases_closed_28d, 0) AS cases_closed_28d",
        "c.oldest_open_case_days",
        "coalesce(p.opted_out, false) AS opted_out",
    ]


def feature_query() -> str:
    """Return the feature SQL; ``$cutoff`` is the only parameter (epoch seconds)."""
    final = ",\n    ".join(_final_columns())
    return f"""
WITH a_rows AS (
    SELECT contact_key, kind, direction, amount, case_id, activity_id, tone,
           complaint, fewer_contacts,
           ($cutoff - epoch_us(ts) / 1e6) / 86400.0 AS age,
           CAST(ts AS DATE) AS day,
           {ENGAGED} AS engaged,
           {TOUCH} AS touch,
           {VOICE} AS voice
    FROM scored
    WHERE ts < to_timestamp($cutoff) AND contact_key IS NOT NULL
),
acts AS (
    SELECT contact_key,
        {_activity_aggregates()}
    FROM a_rows GROUP BY contact_key
),
per_case AS (
    SELECT contact_key, coalesce(case_id, 'row:' || activity_id) AS case_key,
           max(age) AS case_age,
           bool_or(kind = 'case_closed') AS closed,
           min(age) FILTER (WHERE kind = 'case_closed') AS closed_age,
           bool_or(kind = 'case_escalated') AS escalated
    FROM a_rows
    WHERE kind IN ('case_opened', 'case_escalated', 'case_closed')
    GROUP BY ALL
),
cases AS (
    SELECT contact_key,
           count(*) FILTER (WHERE NOT closed) AS open_cases,
           count(*) FILTER (WHERE NOT closed AND escalated) AS escalated_open_cases,
           count(*) FILTER (WHERE closed_age < 28) AS cases_closed_28d,
           max(case_age) FILTER (WHERE NOT closed) AS oldest_open_case_days
    FROM per_case GROUP BY contact_key
),
p AS (
    SELECT contact_key, opted_out,
           ($cutoff - epoch_us(created_at) / 1e6) / 86400.0 AS created_age
    FROM people
    WHERE created_at IS NULL OR created_at < to_timestamp($cutoff)
),
keys AS (SELECT contact_key FROM acts UNION SELECT contact_key FROM p)
SELECT k.contact_key, a.* EXCLUDE (contact_key, last_tones),
    {final}
FROM keys k
LEFT JOIN acts a USING (contact_key)
LEFT JOIN cases c USING (contact_key)
LEFT JOIN p USING (contact_key)
ORDER BY k.contact_key
"""
