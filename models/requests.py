"""What people asked us for, and what their problem is about, as short labels.

Message text is dropped after scoring, so everything a task later needs from it is derived
here, at scoring time, as small columns that outlive the text (like ``asked_fewer_contacts``):

``request``        bool: an inbound message asks us for something (a quote, a call, a document,
                   help or an answer);
``topic``          str: a short label of what the message or case is about, e.g.
                   ``"quote for extra seats"`` for a request, ``"single sign-on outage"`` for a
                   complaint or case; never the person's own words;
``case_subject``   str: a case's own subject line (the CRM record's field, first line of a
                   ``case_opened`` text), cleaned and capped, so a task can name the case.

:func:`person_records` then summarises each person's records as of the run date: the open
request still waiting for our reply, the open (or escalated) case, the complaint topic.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from empathy_engine.core.schema import ACTIVITY_LABELS, CASE_OPENED, INBOUND, OUTBOUND

#: longest case subject kept (a label for the task text, not the description)
CASE_SUBJECT_MAX = 80
#: an unanswered request older than this is no longer worth a reply task
REQUEST_MAX_AGE_DAYS = 60
#: outbound kinds that count as our reply to a request
REPLY_KINDS = ("email", "call", "meeting")

# --- requests ----------------------------------------------------------------------------------
# Asks addressed to us. Written from how customers phrase asks in general, not from any
# generator's phrase bank; tests/models/test_requests.py holds the examples they must cover.
_ASK_PATTERNS = (
    r"\b(?:can|could|would|will) (?:you|someone|somebody|anyone)\b(?! believe)",
    r"\bplease (?:send|share|provide|forward|call|ring|quote|advise|help|confirm|clarify|"
    r"explain|check|look|let (?:me|us) know|get back|arrange|schedule|book|set up|add|issue)\b",
    r"\b(?:we|i)(?:'d| would) (?:like|love|appreciate)\b(?! to thank)",
    r"\b(?:we|i) (?:need|require|are looking for|am looking for|want to (?:add|buy|order|extend|"
    r"upgrade|book|discuss))\b",
    r"\b(?:is it possible|is there a way|do you (?:support|offer|have|provide)|"
    r"how (?:do|can|should) (?:we|i)|what(?:'s| is) the (?:price|cost|difference|status))\b",
    r"\b(?:requesting|request for|call ?back|get a quote|send (?:me|us) (?:a|the|an))\b",
    r"\b(?:any chance|when can (?:we|i) expect|who (?:can|should) (?:we|i))\b",
    r"\bcan we (?:book|schedule|move|push|have|get|set up|arrange|add|extend|reschedule)\b",
    r"(?:^|[.!?,]\s*)(?:which|what|where|when|how|who|does|do|is|are|can|could)\b[^.!?]{3,120}\?",
    r"\b(?:asked for|asking for) (?:the|a|an)\b",
)
_NOT_AN_ASK = (
    r"\b(?:out of (?:the )?office|on (?:leave|holiday|vacation)|automatic reply|auto-?reply)\b",
    r"\b(?:unsubscrib\w*|stop (?:calling|emailing|e-mailing|contacting|sending))\b",
)
_ASK = re.compile("|".join(_ASK_PATTERNS), re.IGNORECASE)
_NOT_ASK = re.compile("|".join(_NOT_AN_ASK), re.IGNORECASE)

#: what kind of thing was asked for: (kind, pattern), first match wins
_REQUEST_KINDS = (
    ("quote", r"\b(?:quote|quotation|pric(?:e|es|ing)|cost|proposal|discount)\b"),
    ("document", r"\b(?:document\w*|copy of|certificate|dpa|soc ?2|iso ?27001|sla|agreement|"
                 r"questionnaire|w-?9|receipt|statement|paperwork|invoice|slides|deck|"
                 r"list of)\b"),
    ("call", r"\b(?:call|ring|phone|meeting|meet|demo|session|check-in)\b|"
             r"\b(?:talk|speak) (?:to|about|through|with)\b"),
)

# --- topics ------------------------------------------------------------------------------------
#: the thing a message or case is about: (label, pattern), first match wins
_SUBJECTS = (
    ("single sign-on", r"\b(?:sso|single sign[- ]?on|saml|okta|identity provider|azure ad)\b"),
    ("extra seats", r"\b(?:(?:extra|more|additional|new) (?:seats?|licen[cs]es?|users)|seats?|"
                    r"licen[cs]es?)\b"),
    ("invoices and billing", r"\b(?:invoices?|billing|billed|double charge\w*|charged|"
                             r"credit note|payment|refund)\b"),
    ("the renewal", r"\b(?:renewal|renew\w*|contract|subscription|upgrade|downgrade)\b"),
    ("security and compliance", r"\b(?:security|gdpr|dpa|soc ?2|iso ?27001|compliance|"
                                r"questionnaire|audit|data processing|ip ranges?|allow-?list)\b"),
    ("scheduled reports", r"\bscheduled reports?\b"),
    ("reporting", r"\b(?:reports?|reporting|dashboards?|analytics)\b"),
    ("data export", r"\b(?:export\w*|csv|excel|download\w*)\b"),
    ("data import", r"\b(?:import\w*|upload\w*|migrat\w+)\b"),
    ("the mobile app", r"\b(?:mobile app|mobile|ios|android|iphone)\b"),
    ("the API", r"\b(?:api|webhooks?|rate limit\w*)\b"),
    ("integrations", r"\b(?:integrations?|sync\w*|plug-?ins?|connectors?|outlook|gmail|slack|"
                     r"teams|salesforce|hubspot|zapier)\b"),
    ("user permissions", r"\b(?:permissions?|access rights|admin rights|user roles?)\b"),
    ("logging in", r"\b(?:log ?in|logging in|sign[- ]in|password|locked out|2fa|mfa)\b"),
    ("search", r"\bsearch\w*\b"),
    ("notifications", r"\b(?:notifications?|alerts?|reminders?)\b"),
    ("onboarding and training", r"\b(?:onboarding|training|workshop|webinar|tutorial|"
                                r"walkthrough)\b"),
    ("performance", r"\b(?:slow\w*|performance|latency|time-?outs?|lag\w*|loading)\b"),
)
#: what went wrong with it: (suffix, pattern), first match wins
_PROBLEMS = (
    ("outage", r"\b(?:down|outage|offline|unavailable|not available|no one can|nobody can)\b"),
    ("errors", r"\b(?:errors?|fail\w*|broken|broke|bug\w*|crash\w*|not working|doesn'?t work|"
               r"won'?t work|can'?t get)\b"),
    ("delays", r"\b(?:not sent|never arrived|late|delay\w*|still waiting|missing)\b"),
)
_SUBJECT_RES = tuple((label, re.compile(p, re.IGNORECASE)) for label, p in _SUBJECTS)
_PROBLEM_RES = tuple((label, re.compile(p, re.IGNORECASE)) for label, p in _PROBLEMS)
_KIND_RES = tuple((label, re.compile(p, re.IGNORECASE)) for label, p in _REQUEST_KINDS)

#: control and bidirectional-override characters, never copied into a task
_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069"
                           r"\ufeff]")


def is_request(text: str) -> bool:
    """Whether an inbound message asks us for something (a quote, call, document, help)."""
    if not isinstance(text, str) or not text.strip():
        return False
    return _ASK.search(text) is not None and _NOT_ASK.search(text) is None


def subject_of(text: str) -> str | None:
    """The thing a text is about, as a label from a fixed list, or None."""
    for label, pattern in _SUBJECT_RES:
        if pattern.search(text):
            return label
    return None


def problem_topic(text: str) -> str | None:
    """A short problem label such as ``"single sign-on outage"``; None when nothing fits."""
    if not isinstance(text, str) or not text.strip():
        return None
    subject = subject_of(text)
    problem = next((label for label, p in _PROBLEM_RES if p.search(text)), None)
    if subject and problem:
        return f"{subject} {problem}"
    return subject


def request_topic(text: str) -> str:
    """What was asked for, e.g. ``"quote for extra seats"``, ``"call about the renewal"``."""
    subject = subject_of(text)
    kind = next((label for label, p in _KIND_RES if p.search(text)), None)
    if kind == "quote":
        return f"quote for {subject}" if subject else "a quote"
    if kind == "document":
        if subject == "invoices and billing":
            return "a copy of their invoice"
        if subject == "security and compliance":
            return "security and compliance documents"
        return f"documents on {subject}" if subject else "a document"
    if kind == "call":
        return f"call about {subject}" if subject else "a call"
    return f"help with {subject}" if subject else "a question"


def case_subject(text: str) -> str | None:
    """A case's subject line: the first line of its text, cleaned and capped."""
    if not isinstance(text, str) or not text.strip():
        return None
    line = clean_field(text.strip().splitlines()[0], CASE_SUBJECT_MAX)
    return line or None


def clean_field(value, limit: int) -> str:
    """A CRM field made safe to copy into a task: one line, no control or bidi characters,
    markup and spreadsheet formulas made inert, at most ``limit`` characters."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = " ".join(_UNSAFE_CHARS.sub(" ", str(value)).split())
    text = text.replace("<", "‹").replace(">", "›")  # no tags survive in either CRM's HTML body
    if text[:1] in ("=", "+", "-", "@"):
        text = "'" + text  # a formula in an export would otherwise run
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def label_texts(texts, kinds, directions) -> pd.DataFrame:
    """Score ``request``, ``topic`` and ``case_subject`` for aligned texts, kinds, directions.

    Each distinct (text, kind, direction) is labelled once (CRM text repeats a lot).
    """
    cache: dict = {}
    rows = []
    for key in zip(texts, kinds, directions, strict=True):
        if key not in cache:
            cache[key] = _label_one(*key)
        rows.append(cache[key])
    return pd.DataFrame(rows, columns=ACTIVITY_LABELS.names)


def _label_one(text, kind, direction) -> tuple[bool, str | None, str | None]:
    if not isinstance(text, str) or not text.strip() or direction != INBOUND:
        return False, None, None
    subject = case_subject(text) if kind == CASE_OPENED else None
    asked = kind != CASE_OPENED and is_request(text)
    topic = request_topic(text) if asked else problem_topic(text)
    return asked, topic, subject


def add_labels(activities: pd.DataFrame) -> pd.DataFrame:
    """Add the :data:`empathy.schema.ACTIVITY_LABELS` columns to rows that still have text.

    Rows without text (scored on an earlier night, text dropped) keep the labels they carry.

    Parameters
    ----------
    activities : pandas.DataFrame
        Canonical activities, with ``text`` where it has not been dropped yet.

    Returns
    -------
    pandas.DataFrame
        A copy with ``request``, ``topic`` and ``case_subject``.
    """
    out = activities.copy()
    has_text = out["text"].notna().to_numpy() if "text" in out else np.zeros(len(out), bool)
    for name in ACTIVITY_LABELS.names:
        if name not in out:
            out[name] = False if name == "request" else None
    if has_text.any():
        rows = out.loc[has_text]
        fresh = label_texts(rows["text"], rows["kind"], rows["direction"])
        for name in ACTIVITY_LABELS.names:
            out[name] = out[name].astype(object)
            out.loc[has_text, name] = fresh[name].to_numpy()
    out["request"] = out["request"].astype("boolean").fillna(False).astype(bool)
    return out


# --- per person ---------------------------------------------------------------------------------

RECORD_COLUMNS = (
    "contact_key", "request_topic", "request_asked_at", "case_subject", "case_opened_at",
    "case_escalated_at", "complaint_topic",
)


def person_records(activities: pd.DataFrame, run_date) -> pd.DataFrame:
    """What happened to each person, as of ``run_date`` (only earlier activity is read).

    Parameters
    ----------
    activities : pandas.DataFrame
        Canonical activities with the label columns (missing ones count as empty).
    run_date : date-like
        The decision date.

    Returns
    -------
    pandas.DataFrame
        One row per contact_key that has anything to say, with ``request_topic`` and
        ``request_asked_at`` (the latest request with no reply from us since, asked within
        :data:`REQUEST_MAX_AGE_DAYS`), ``case_subject``, ``case_opened_at`` and
        ``case_escalated_at`` (the open case, escalated ones first, then the oldest), and
        ``complaint_topic`` (the latest complaint's topic in 90 days).
    """
    cutoff = pd.Timestamp(run_date, tz="UTC") if pd.Timestamp(run_date).tzinfo is None \
        else pd.Timestamp(run_date).tz_convert("UTC")
    acts = _with_columns(activities)
    acts = acts[(acts["ts"] < cutoff) & acts["contact_key"].notna()]
    parts = [_open_requests(acts, cutoff), _open_cases(acts), _complaints(acts, cutoff)]
    people = pd.DataFrame({"contact_key": pd.unique(pd.concat([p["contact_key"] for p in parts]))})
    for part in parts:
        people = people.merge(part, on="contact_key", how="left")
    return people.reindex(columns=list(RECORD_COLUMNS))


def _with_columns(activities: pd.DataFrame) -> pd.DataFrame:
    acts = activities.copy()
    for name, default in (("request", False), ("topic", None), ("case_subject", None),
                          ("case_id", None), ("complaint", False)):
        if name not in acts:
            acts[name] = default
    acts["ts"] = pd.to_datetime(acts["ts"], utc=True)
    acts["request"] = acts["request"].astype("boolean").fillna(False).astype(bool)
    acts["complaint"] = acts["complaint"].astype("boolean").fillna(False).astype(bool)
    return acts


def _open_requests(acts: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The latest request per person that nothing outbound from us has followed."""
    asked = acts[acts["request"] & (acts["direction"] == INBOUND)]
    asked = asked[asked["ts"] >= cutoff - pd.Timedelta(days=REQUEST_MAX_AGE_DAYS)]
    replies = acts[(acts["direction"] == OUTBOUND) & acts["kind"].isin(REPLY_KINDS)]
    last_reply = replies.groupby("contact_key")["ts"].max()
    latest = asked.sort_values("ts").groupby("contact_key").tail(1)
    replied = latest["ts"] < latest["contact_key"].map(last_reply)
    latest = latest[~replied.fillna(False).to_numpy(dtype=bool)]
    return pd.DataFrame({"contact_key": latest["contact_key"].to_numpy(),
                         "request_topic": latest["topic"].fillna("a question")
                         .to_numpy(),
                         "request_asked_at": latest["ts"].to_numpy()})


def _open_cases(acts: pd.DataFrame) -> pd.DataFrame:
    """One open case per person: an escalated one first, else the oldest still open."""
    cases = acts[acts["case_id"].notna()]
    empty = pd.DataFrame(columns=["contact_key", "case_subject", "case_opened_at",
                                  "case_escalated_at"])
    if cases.empty:
        return empty
    closed = set(cases.loc[cases["kind"] == "case_closed", "case_id"])
    opened = cases[(cases["kind"] == CASE_OPENED) & ~cases["case_id"].isin(closed)]
    if opened.empty:
        return empty
    escalated = cases[cases["kind"] == "case_escalated"].groupby("case_id")["ts"].max()
    opened = opened.assign(case_escalated_at=opened["case_id"].map(escalated))
    opened = opened.assign(_rank=opened["case_escalated_at"].isna())
    first = opened.sort_values(["_rank", "ts"]).groupby("contact_key").head(1)
    subject = first["case_subject"].where(first["case_subject"].notna(), first["topic"])
    return pd.DataFrame({"contact_key": first["contact_key"].to_numpy(),
                         "case_subject": subject.to_numpy(),
                         "case_opened_at": first["ts"].to_numpy(),
                         "case_escalated_at": first["case_escalated_at"].to_numpy()})


def _complaints(acts: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The latest complaint's topic per person in the last 90 days."""
    recent = acts[acts["complaint"] & acts["topic"].notna() & (acts["direction"] == INBOUND)
                  & (acts["ts"] >= cutoff - pd.Timedelta(days=90))]
    latest = recent.sort_values("ts").groupby("contact_key").tail(1)
    return pd.DataFrame({"contact_key": latest["contact_key"].to_numpy(),
                         "complaint_topic": latest["topic"].to_numpy()})


def business_days_between(start, end: dt.date) -> int:
    """Whole business days (Monday to Friday) from ``start`` to ``end``."""
    first = pd.Timestamp(start).date()
    return int(np.busday_count(np.datetime64(first, "D"), np.datetime64(end, "D")))
