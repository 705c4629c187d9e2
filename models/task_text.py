"""The words a CRM user reads: the one-line *why*, and each task's subject and body.

Three kinds of task, one per action:

- **support note** — "Reach out to help: …": acknowledge the problem, offer help, never a
  sales pitch;
- **offer** — "Check in with a relevant offer: …": tuned to the contact's industry and title
  when known;
- **hold** — "Hold outreach until DATE, because …": a visible record so nobody else contacts
  the person.

Every body holds the one-line why, a suggested tone and a short draft. Only counts, dates and
the CRM's own industry and title fields are used: no message text is ever copied into a task.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from empathy_engine.models.reasons import NOT_AT_RISK

SUBJECT_MAX = 255
REASONS_MAX = 160

#: Offer topics by industry keyword (matched case-insensitively inside the CRM's industry).
INDUSTRY_TOPICS = {
    "health": "keeping patient-facing work simple and compliant",
    "pharma": "keeping regulated workflows simple",
    "financ": "reporting and audit readiness",
    "bank": "reporting and audit readiness",
    "insur": "faster claims and renewals",
    "retail": "planning for the next season",
    "manufactur": "supply-chain visibility",
    "logistic": "on-time delivery and tracking",
    "educat": "getting ready for the next term",
    "tech": "integrations and automation",
    "software": "integrations and automation",
    "energy": "operations and reporting",
    "media": "audience growth",
    "government": "procurement-friendly options",
}
#: Offer angles by title words (whole words, so "coordinator" is not "coo"), first match wins:
#: (keywords, phrase for the subject, question for the draft).
TITLE_ANGLES = (
    (
        ("chief", "ceo", "cfo", "coo", "cto", "vp", "vice president", "director", "head", "owner"),
        "a short results review",
        "Would a short review of the results you're getting, and what could come next, help?",
    ),
    (
        (
            "engineer",
            "engineering",
            "developer",
            "architect",
            "analyst",
            "admin",
            "administrator",
            "specialist",
            "scientist",
        ),
        "a hands-on walkthrough",
        "Would a hands-on walkthrough of a few features you may not be using yet help?",
    ),
    (
        ("manager", "lead", "supervisor"),
        "time-saving tips for their team",
        "Would a few tips that save your team time help?",
    ),
)
DEFAULT_ANGLE = (
    "a quick check-in",
    "Is there anything that would be most useful to you right now?",
)


@dataclass(frozen=True)
class TaskText:
    """A task's subject (at most 255 characters) and body."""

    subject: str
    body: str


def task_text(
    action: str,
    *,
    why: str,
    headline: str,
    hold_until: dt.date | None = None,
    escalated: bool = False,
    industry: Any = None,
    title: Any = None,
) -> TaskText:
    """Build the task text for one decision.

    Parameters
    ----------
    action : {"support_note", "offer", "silence"}
        The decided action; a written silence is a hold record.
    why : str
        The one-line why (see :func:`why_line`).
    headline : str
        A short phrase for the subject (see :func:`headline`).
    hold_until : datetime.date, optional
        The end of the hold; required for ``"silence"``.
    escalated : bool, default=False
        Whether the contact has an escalated case (support notes only).
    industry, title : str, optional
        The contact's industry and job title from the CRM, to tune offers.

    Returns
    -------
    TaskText
    """
    if action == "support_note":
        return support_note_text(why=why, headline=headline, escalated=escalated)
    if action == "offer":
        return offer_text(why=why, headline=headline, industry=industry, title=title)
    if action == "silence":
        if hold_until is None or pd.isna(hold_until):
            raise ValueError("a hold record needs hold_until; the policy sets it for holds")
        return hold_text(why=why, because=headline, hold_until=hold_until)
    raise ValueError(f"unknown action {action!r}; expected support_note, offer or silence")


def support_note_text(*, why: str, headline: str, escalated: bool = False) -> TaskText:
    """Text for a support note: acknowledge the problem and offer help, never a sales pitch.

    Parameters
    ----------
    why : str
        The one-line why.
    headline : str
        The frustration signals in a few words, e.g. ``"2 open cases, 1 escalation"``.
    escalated : bool, default=False
        Adds a line asking the owner to coordinate with support first.

    Returns
    -------
    TaskText
    """
    tone = "Calm, personal and accountable: acknowledge the problem first, offer concrete help."
    tone += " No offers, discounts or upsell in this conversation."
    if escalated:
        tone += " A case is escalated: check its status with support before you reach out."
    draft = (
        "Hi, I noticed things haven't been going smoothly for you with us lately, and I'm "
        "sorry about that. I'd like to help put it right. Could we have a short call this "
        "week, or is there a better way to reach you? No sales agenda, I just want to make "
        "sure this gets sorted."
    )
    return TaskText(_subject(f"Reach out to help: {headline}"), _body(why, tone, draft))


def offer_text(*, why: str, headline: str, industry: Any = None, title: Any = None) -> TaskText:
    """Text for an offer: a relevant check-in, tuned to industry and title when known.

    Parameters
    ----------
    why : str
        The one-line why.
    headline : str
        How engagement is fading, e.g. ``"activity down 60% vs the usual"``.
    industry, title : str, optional
        The contact's industry and job title from the CRM.

    Returns
    -------
    TaskText
    """
    suggestion, question = offer_angle(title)
    topic = industry_topic(industry)
    context = (
        f" Many teams in {_text(industry)} are focusing on {topic} right now." if topic else ""
    )
    tone = "Warm and brief, useful rather than salesy; one clear, relevant suggestion."
    draft = (
        f"Hi, it's been a little while since we last spoke, so I wanted to check in.{context} "
        f"{question} Happy to find 20 minutes at a time that suits you."
    )
    subject = f"Check in with a relevant offer: {headline}; suggest {suggestion}"
    return TaskText(_subject(subject), _body(why, tone, draft))


def hold_text(*, why: str, because: str, hold_until: dt.date) -> TaskText:
    """Text for a visible hold record: nobody should start outreach before ``hold_until``.

    Parameters
    ----------
    why : str
        The one-line why.
    because : str
        The reason in a few words, e.g. ``"they asked for fewer contacts"``.
    hold_until : datetime.date
        The last day of the hold.

    Returns
    -------
    TaskText
    """
    until = _date(hold_until)
    tone = (
        f"No outreach until {until}. If they contact us, reply helpfully and without a sales "
        "agenda."
    )
    draft = (
        f"(No message: this is a hold. Note for colleagues: please don't start campaigns, "
        f"sequences or sales outreach to this contact before {until}.)"
    )
    return TaskText(
        _subject(f"Hold outreach until {until}, because {because}"), _body(why, tone, draft)
    )


def why_line(reason: str, row: Mapping, *, tone_threshold: float = -0.3) -> str:
    """Build the one plain-language line that tells the CRM user why.

    The rule comes first, then the evidence: the model's reasons when the scorer gave any,
    else the policy's own signals, then the risk, e.g. "Frustrated, so help first: 2 open
    cases, one escalated 5 days ago; engagement-drop risk 81%."

    Parameters
    ----------
    reason : str
        The policy rule that fired (``models.policy.ACTION_BY_REASON``'s keys).
    row : mapping
        The contact's scored row: ``probability``, optional ``reasons`` and the features.
    tone_threshold : float, default=-0.3
        The policy's negative-tone threshold.

    Returns
    -------
    str
        One line, without line breaks.
    """
    rule = {
        "opted_out": "Opted out of e-mail, so no outreach",
        "open_action": "Already has an open action in the CRM, so nothing new is written",
        "frustration": "Frustrated, so help first",
        "asked_fewer_contacts": "Asked for fewer contacts, so hold outreach",
        "saturation": f"Contacted {_count(row, 'touches_out_28d')} times in 28 days, so hold "
        "outreach",
        "quiet_period": "Quiet period, so hold outreach until it is over",
        "lapsed": f"No activity of their own for {_number(row, 'days_since_last_activity') or 0:.0f} "
        "days: already gone rather than drifting, so no offer",
        "drift": "Drifting away without friction",
        "not_at_risk": "Not at risk, no action needed",
        "holdout": "Randomized hold-out, deliberately left alone to measure uplift",
    }[reason]
    evidence = _one_line(row.get("reasons"), REASONS_MAX)
    if evidence == NOT_AT_RISK and reason != "not_at_risk":
        evidence = ""  # the model saw no drop, but the rule that fired has its own evidence
    if not evidence and reason == "frustration":
        evidence = ", ".join(frustration_phrases(row, tone_threshold))
    if not evidence and reason == "drift":
        evidence = ", ".join(drift_phrases(row))
    risk = f"engagement-drop risk {float(row['probability']):.0%}"
    return f"{rule}: {evidence}; {risk}." if evidence else f"{rule}; {risk}."


def headline(reason: str, row: Mapping, *, tone_threshold: float = -0.3) -> str:
    """A few words for the task subject: the problem, the drift, or why we hold.

    Parameters
    ----------
    reason : str
        The policy rule that fired.
    row : mapping
        The contact's scored row.
    tone_threshold : float, default=-0.3
        The policy's negative-tone threshold.

    Returns
    -------
    str
    """
    if reason == "frustration":
        return ", ".join(frustration_phrases(row, tone_threshold)) or "recent problems"
    if reason == "drift":
        return ", ".join(drift_phrases(row)) or "engagement is dropping"
    return {
        "opted_out": "they opted out of e-mail",
        "asked_fewer_contacts": "they asked for fewer contacts",
        "saturation": f"they were contacted {_count(row, 'touches_out_28d')} times in 28 days",
        "quiet_period": "it is a quiet period",
    }.get(reason, "no outreach is planned")


def frustration_phrases(row: Mapping, tone_threshold: float = -0.3) -> list[str]:
    """Plain phrases for the frustration signals in ``row`` (counts only, no message text)."""
    phrases = []
    if _count(row, "open_cases") > 0:
        phrases.append(_plural(_count(row, "open_cases"), "open case"))
    if _count(row, "escalations_28d") > 0:
        phrases.append(f"{_plural(_count(row, 'escalations_28d'), 'escalation')} in 28 days")
    if _count(row, "complaints_28d") > 0:
        phrases.append(f"{_plural(_count(row, 'complaints_28d'), 'complaint')} in 28 days")
    tone = _number(row, "tone_mean_28d")
    if tone is not None and tone <= tone_threshold:
        phrases.append("negative tone in recent messages")
    return phrases


def drift_phrases(row: Mapping) -> list[str]:
    """Plain phrases for how engagement is fading in ``row``."""
    phrases = []
    trend = _number(row, "activity_trend")
    if trend is not None and trend < 0.95:
        phrases.append(f"activity down {1 - max(trend, 0.0):.0%} vs the usual")
    idle = _number(row, "days_since_last_activity")
    if idle is not None and idle >= 14:
        phrases.append(f"no activity for {idle:.0f} days")
    return phrases


def offer_angle(title: Any) -> tuple[str, str]:
    """What to suggest by job title (seniority or role): a subject phrase and a draft question."""
    words = re.findall(r"[a-z]+", _text(title).lower())
    phrase = f" {' '.join(words)} "
    for keywords, suggestion, question in TITLE_ANGLES:
        if any(f" {keyword} " in phrase for keyword in keywords):
            return suggestion, question
    return DEFAULT_ANGLE


def industry_topic(industry: Any) -> str | None:
    """A topic that teams in ``industry`` care about, or None when unknown."""
    lowered = _text(industry).lower()
    for keyword, topic in INDUSTRY_TOPICS.items():
        if lowered and keyword in lowered:
            return topic
    return None


def _body(why: str, tone: str, draft: str) -> str:
    """The task body: why, suggested tone, short draft, and who decides."""
    return (
        f"Why: {why}\n"
        f"Suggested tone: {tone}\n"
        f"Draft:\n{draft}\n\n"
        "Written by Empathy Engine. You decide whether and how to reach out."
    )


def _subject(text: str) -> str:
    """One line, at most 255 characters (both CRMs' limit)."""
    return _one_line(text, SUBJECT_MAX)


def _one_line(value: Any, limit: int) -> str:
    """Collapse whitespace (no line breaks) and cut to ``limit`` characters."""
    line = " ".join(_text(value).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _text(value: Any) -> str:
    """A CRM text field as a string; missing values as empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _number(row: Mapping, column: str) -> float | None:
    """A numeric feature, or None when missing."""
    value = row.get(column)
    if value is None or pd.isna(value):
        return None
    return float(value)


def _count(row: Mapping, column: str) -> int:
    """A count feature, missing as zero."""
    value = _number(row, column)
    return 0 if value is None else int(value)


def _plural(count: int, noun: str) -> str:
    """``1 open case`` / ``2 open cases``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _date(value: Any) -> str:
    """A date as ISO ``YYYY-MM-DD``."""
    return pd.Timestamp(value).date().isoformat()
