"""The canonical tables that flow between the pipeline stages.

Every stage reads and writes Parquet files with these schemas, so the connectors (which
produce them) and the models (which consume them) never need to know about each other.

contacts      one row per (person, CRM record); a person living in both CRMs has two rows
              that share ``contact_key``.
activities    one row per thing that happened between the company and a person.
features      one row per ``contact_key`` as of a cutoff (produced by ``models.features``).
scores        one row per ``contact_key``: probability of an engagement drop and reasons.
decisions     one row per ``contact_key``: the empathy-aware next action.
"""

from __future__ import annotations

import pyarrow as pa

# --- activity kinds -------------------------------------------------------------------------
#: emails; ``direction`` tells inbound (from the contact) from outbound (from us)
EMAIL = "email"
#: phone calls (inbound or outbound)
CALL = "call"
#: meetings held (outbound unless the contact booked it)
MEETING = "meeting"
#: notes written by a rep about the contact (outbound, text is the note)
NOTE = "note"
#: support cases / tickets: opened (inbound), escalated, closed
CASE_OPENED = "case_opened"
CASE_ESCALATED = "case_escalated"
CASE_CLOSED = "case_closed"
#: purchases, closed-won opportunities or deals (``amount`` carries the value)
PURCHASE = "purchase"

ACTIVITY_KINDS = (EMAIL, CALL, MEETING, NOTE, CASE_OPENED, CASE_ESCALATED, CASE_CLOSED, PURCHASE)

INBOUND = "inbound"
OUTBOUND = "outbound"
DIRECTIONS = (INBOUND, OUTBOUND)


CONTACTS = pa.schema(
    [
        ("contact_key", pa.string()),  # lower-cased e-mail: joins one person across CRMs
        ("source", pa.string()),  # "salesforce" | "hubspot"
        ("source_id", pa.string()),  # the CRM's own record id (Contact Id / hs_object_id)
        ("owner_id", pa.string()),  # the CRM user who owns the contact
        ("account_id", pa.string()),
        ("industry", pa.string()),
        ("title", pa.string()),
        ("opted_out", pa.bool_()),  # HasOptedOutOfEmail / hs_email_optout
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)

ACTIVITIES = pa.schema(
    [
        ("contact_key", pa.string()),
        ("source", pa.string()),
        ("activity_id", pa.string()),  # unique within source (e.g. "Task:00T…", "emails:123")
        ("ts", pa.timestamp("us", tz="UTC")),
        ("kind", pa.string()),  # one of ACTIVITY_KINDS
        ("direction", pa.string()),  # INBOUND | OUTBOUND | null
        ("amount", pa.float64()),  # purchases only
        ("case_id", pa.string()),  # links case_opened / escalated / closed rows of one case
        ("text", pa.string()),  # message text; dropped after tone scoring unless kept
        ("tone", pa.float64()),  # filled by the features stage: -1 (hostile) … +1 (warm)
        # Flags scored with the tone, kept so that they outlive the text (False until scored;
        # a row whose tone is null is always re-scored from its text).
        ("complaint", pa.bool_()),
        ("asked_fewer_contacts", pa.bool_()),
    ]
)

#: Feature columns that the policy and the reason codes rely on by name. ``models.features``
#: produces these and more; the policy never reads anything else.
POLICY_FEATURES = (
    "opted_out",  # bool
    "open_cases",  # int: cases opened and not closed as of the cutoff
    "escalations_28d",  # int
    "complaints_28d",  # int: inbound messages whose tone says "complaint / frustration"
    "tone_mean_28d",  # float -1..1, NaN when no inbound text
    "asked_fewer_contacts",  # bool: the contact said "too many emails" / "stop calling" recently
    "touches_out_28d",  # int: outbound touches we made in the last 28 days (fatigue)
    "days_since_last_activity",  # float
    "activity_trend",  # float: last 28 days vs the 90-day weekly average (1.0 = unchanged)
)

ACTIONS = ("support_note", "offer", "silence")

DECISIONS = pa.schema(
    [
        ("contact_key", pa.string()),
        ("action", pa.string()),  # one of ACTIONS
        ("action_key", pa.string()),  # stable per contact and decision date: idempotency key
        ("probability", pa.float64()),
        ("reason", pa.string()),  # machine-readable rule that fired, e.g. "frustration"
        ("why", pa.string()),  # one line for the CRM user
        ("hold_until", pa.date32()),  # silence records only
        ("write", pa.bool_()),  # whether a CRM record is written (False for plain not-at-risk)
        ("subject", pa.string()),
        ("body", pa.string()),
        ("priority", pa.string()),  # "High" | "Normal" | "Low"
        ("due_date", pa.date32()),
        ("opted_out", pa.bool_()),
    ]
)

#: Labels scored from an activity's text with the tone (``models.requests``), kept after the
#: text is dropped: what a task needs to name the person's request, problem and case.
ACTIVITY_LABELS = pa.schema(
    [
        ("request", pa.bool_()),  # inbound message asks us for something (quote, call, help …)
        ("topic", pa.string()),  # short label: "quote for extra seats", "single sign-on outage"
        ("case_subject", pa.string()),  # case_opened rows: the case's subject, cleaned, capped
    ]
)

#: Columns the post-policy steps add to the decisions (``models.one_task``, ``models.capacity``,
#: ``models.task_text``); every DECISIONS column keeps its meaning.
DECISION_EXTRAS = pa.schema(
    [
        ("policy_reason", pa.string()),  # the policy's own reason before the post-policy steps
        ("target_crm", pa.string()),  # the one CRM this person's task is written to
        ("target_source_id", pa.string()),  # the contact record there
        ("target_owner_id", pa.string()),  # the owner the person is most engaged with there
        ("task_state", pa.string()),  # "new" | "update" | "keep" | "close" | "none"
        ("supersedes", pa.string()),  # action key of the open task this decision updates
        ("close_keys", pa.string()),  # "crm:action_key" of open tasks to close, space-separated
        ("model_detail", pa.string()),  # risk and model reasons, for the curious (not in text)
        ("expected_benefit", pa.float64()),  # what ranks tasks when an owner's cap binds
        ("request_topic", pa.string()),
        ("case_subject", pa.string()),
    ]
)
