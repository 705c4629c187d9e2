"""Grounded task text: what happened to this person, for their sector and role, in plain words.

Three layers feed every task: the **sector** (its pressures), the **role** (what a CFO, an IT
manager, a developer cares about) and the **person** — their open or escalated case by
subject and age, the topic they complained about, their last request, how long they have
been quiet. The subject, the *why* and the draft are built from the same ordered list of
reasons (:func:`reasons_for`), so they never disagree. Risk and model reasons stay in
``model_detail``, out of the text a CRM user reads. The words live in the editable
``task_templates.toml``; one variant per person is picked by a hash, so re-runs agree.

Every CRM field copied into text (name, case subject, industry, title) passes
:func:`models.requests.clean_field`; bodies stay under both CRMs' limits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from empathy_engine.models.requests import clean_field

TEMPLATES = Path(__file__).with_name("task_templates.toml")
#: Salesforce Task.Description holds 32,000 characters, HubSpot hs_task_body 65,536
BODY_MAX = 32_000
SUBJECT_MAX = 255
FIELD_MAX = 80
_ROLE_ADDRESSES = {"info", "sales", "support", "admin", "team", "hello", "contact", "office",
                   "billing", "noreply", "no", "accounts", "help", "finance", "hr", "it"}


@dataclass(frozen=True)
class Task:
    """What a CRM user reads (subject, why, body) and what they may look up (model_detail)."""

    subject: str
    why: str
    body: str
    model_detail: str


@lru_cache(maxsize=4)
def templates(path: str | Path = TEMPLATES) -> dict:
    """The task templates (``task_templates.toml``), read once."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def first_name(person: Mapping) -> str:
    """The CRM's first name, else one read from an ``ann.lee@`` address; else ``"there"``."""
    given = clean_field(person.get("first_name"), 40)
    if given:
        return given.split()[0]
    local = str(person.get("contact_key") or "").split("@")[0]
    parts = re.split(r"[._-]", local)
    if len(parts) >= 2 and parts[0].isalpha() and len(parts[0]) >= 2 \
            and parts[0].lower() not in _ROLE_ADDRESSES:
        return parts[0].capitalize()
    return "there"


def in_words(days: float | None) -> str:
    """A span in words: ``"5 days"``, ``"3 weeks"``, ``"4 months"``."""
    if days is None or pd.isna(days):
        return "some time"
    days = max(float(days), 0.0)
    if days < 14:
        n = max(int(round(days)), 1)
        return f"{n} day{'s' if n != 1 else ''}"
    if days < 63:
        return f"{int(round(days / 7))} weeks"
    if days > 365:
        return "over a year"
    months = int(round(days / 30.4))
    return f"{months} months" if months != 1 else "a month"


def quiet_words(person: Mapping) -> str | None:
    """``"quiet for 6 weeks; usually in touch every 3 weeks"`` (None when not quiet)."""
    idle = _number(person, "days_since_last_activity")
    if idle is None or idle < 7:
        return None
    gap = _number(person, "mean_gap_days")
    usual = f"; usually in touch every {in_words(gap)}" if gap and gap >= 1 else ""
    return f"quiet for {in_words(idle)}{usual}"


def reasons_for(action: str, reason: str, person: Mapping, run_date: dt.date) -> list[dict]:
    """The person's reasons, most important first: each with ``subject`` and ``why`` words.

    The first reason names the task; the first two make the why; the draft speaks to them.
    """
    found = []
    case, opened = _field(person, "case_subject"), person.get("case_opened_at")
    escalated = person.get("case_escalated_at")
    if reason == "open_request":
        asked = _day(person.get("request_asked_at"))
        found.append({"kind": "request",
                      "subject": f"{person['request_topic']} (asked {asked})",
                      "why": f"their request of {asked} ({person['request_topic']}) has no "
                             "reply from us yet"})
    if case:
        age = in_words(_age(opened, run_date))
        if _present(escalated):
            why = (f"case \"{case}\" open for {age}, escalated "
                   f"{_ago(escalated, run_date)}")
            found.append({"kind": "case", "subject": f"escalated case \"{case}\"", "why": why})
        else:
            found.append({"kind": "case", "subject": f"open case \"{case}\"",
                          "why": f"case \"{case}\" open for {age}"})
    topic = _field(person, "complaint_topic")
    if topic:
        found.append({"kind": "topic", "subject": f"problems with {topic}",
                      "why": f"complained about {topic} recently"})
    if (_number(person, "tone_mean_28d") or 0) <= -0.3 and not topic:
        found.append({"kind": "tone", "subject": "unhappy recent messages",
                      "why": "their recent messages sound unhappy"})
    quiet = quiet_words(person)
    if quiet:
        found.append({"kind": "quiet", "subject": quiet.split(";")[0], "why": quiet})
    trend = _number(person, "activity_trend")
    if trend is not None and trend < 0.7:
        words = "far less active than usual" if trend < 0.35 else "less active than usual"
        found.append({"kind": "decline", "subject": words, "why": words})
    touches = _number(person, "touches_out_28d") or 0
    if touches >= 4:
        found.append({"kind": "fatigue", "subject": f"contacted {int(touches)} times in 4 weeks",
                      "why": f"we contacted them {int(touches)} times in the last 4 weeks"})
    return found


def render(action: str, reason: str, person: Mapping, run_date, *,
           hold_until: Any = None, channel: str = "e-mail") -> Task:
    """The task a CRM user reads for one decision.

    Parameters
    ----------
    action : {"support_note", "offer", "silence"}
    reason : str
        The rule that fired: ``open_request`` makes a reply task; ``opted_out`` the standing
        do-not-contact record; other silences a hold.
    person : mapping
        The person's scored row and records (``contact_key``, ``first_name``, ``industry``,
        ``title``, ``case_subject`` …, ``probability``, ``reasons``).
    run_date : date-like
    hold_until : date, optional
        The end of a hold.
    channel : str, default="e-mail"
        What an opt-out covers.
    """
    day = pd.Timestamp(run_date).date()
    items = reasons_for(action, reason, person, day)
    why_items = [i["why"] for i in items[:2]]
    ctx = _context(person, day, items, hold_until, channel)
    if reason == "opted_out":
        task = _opt_out(ctx)
    elif reason == "open_request":
        task = _reply(ctx, items, why_items)
    elif action == "support_note":
        task = _support(ctx, items, why_items, person)
    elif action == "offer":
        task = _offer(ctx, items, why_items)
    else:
        task = _hold(ctx, reason, items, why_items)
    subject, why, body = task
    return Task(_one_line(subject, SUBJECT_MAX), _one_line(why, 500), _cap(body),
                model_detail(person))


def model_detail(person: Mapping) -> str:
    """Risk and the model's reasons, for the curious; never in the task text."""
    probability = _number(person, "probability")
    risk = f"engagement-drop risk {probability:.0%}" if probability is not None else ""
    reasons = _one_line(person.get("reasons"), 300)
    return "; ".join(p for p in (risk, f"model reasons: {reasons}" if reasons else "") if p)


# --- the five kinds ---------------------------------------------------------------------------


def _support(ctx, items, why_items, person):
    t = templates()["support_note"]
    lines = []
    if ctx["case"]:
        lines.append(_pick(t["case_lines"], ctx, "case"))
        if ctx["escalated_ago"]:
            lines.append(_pick(t["escalated_lines"], ctx, "esc"))
    if ctx["topic"] and not ctx["case"]:  # the case already names the problem
        lines.append(_pick(t["topic_lines"], ctx, "topic"))
    if not lines:
        lines.append(_pick(t["general_lines"], ctx, "general"))
    lines += [_pick(t["sector_lines"], ctx, "sector") if ctx["pressure"] else "",
              _pick(t["asks"], ctx, "ask")]
    tone = t["tone"] + (t["tone_escalated"] if ctx["escalated_ago"] else "")
    head = items[0]["subject"] if items else "their recent problems"
    subject = f"Reach out to help {ctx['first_or_contact']}: {head}"
    why = "Frustrated, so help first: " + ("; ".join(why_items) or "recent problems")
    return subject, why, _body(why, tone, ctx, _draft(ctx, lines, t))


def _reply(ctx, items, why_items):
    t = templates()["reply"]
    kind = ctx["request_kind"]
    lines = [_pick(t["lines"], ctx, "line"), _pick(t["kind_lines"][kind], ctx, "kind")]
    subject = f"Reply to their request: {items[0]['subject']}"
    why = "Waiting for our reply: " + "; ".join(why_items)
    return subject, why, _body(why, t["tone"], ctx, _draft(ctx, lines, t))


def _offer(ctx, items, why_items):
    t = templates()["offer"]
    lines = [_pick(t["openers"], ctx, "open") if ctx["quiet_raw"] else
             "I wanted to check in and see how things are going.",
             _pick(t["sector_lines"], ctx, "sector") if ctx["pressure"] else "",
             _pick(t["role_lines"], ctx, "role")]
    if ctx["case"]:
        lines.append(_pick(t["case_lines"], ctx, "case"))
    lines.append(_pick(t["asks"], ctx, "ask"))
    head = items[0]["subject"] if items else "engagement is dropping"
    subject = f"Check in with {ctx['first_or_contact']}: {head}; suggest {ctx['suggestion']}"
    why = "Drifting away without friction: " + ("; ".join(why_items) or "engagement is dropping")
    return subject, why, _body(why, t["tone"], ctx, _draft(ctx, lines, t))


def _hold(ctx, reason, items, why_items):
    t = templates()["hold"]
    because = {
        "asked_fewer_contacts": "they asked for fewer contacts",
        "saturation": next((i["why"] for i in items if i["kind"] == "fatigue"),
                           "they were contacted often recently"),
        "quiet_period": "it is a quiet period",
    }.get(reason, "outreach would not help now")
    ctx = {**ctx, "because": f", because {because}"}
    draft = t["draft"].format_map(_Safe(ctx))
    if ctx["case"]:
        draft += t["case_line"].format_map(_Safe(ctx))
    subject = f"Hold outreach until {ctx['until']}, because {because}"
    if ctx["case"]:
        subject += f" (open case \"{ctx['case']}\")"
    others = [i["why"] for i in items if i["why"] != because][:1]
    why = f"Hold outreach: {because}" + (f"; {others[0]}" if others else "")
    return subject, why, _body(why, t["tone"].format_map(_Safe(ctx)), ctx, draft)


def _opt_out(ctx):
    t = templates()["opt_out"]
    subject = t["subject"].format_map(_Safe(ctx))
    why = f"Opted out of {ctx['channel']} ({ctx['since']}): no outreach, no end date"
    return subject, why, _body(why, t["tone"], ctx, t["draft"].format_map(_Safe(ctx)),
                               case=False)


# --- helpers ----------------------------------------------------------------------------------


def _context(person, day, items, hold_until, channel) -> dict:
    sector, pressure = _sector(person.get("industry"))
    cares, suggestion = _role(person.get("title"))
    first = first_name(person)
    escalated = person.get("case_escalated_at")
    quiet = quiet_words(person)
    request = _field(person, "request_topic")
    return {
        "key": str(person.get("contact_key")),
        "first": first,
        "first_or_contact": first if first != "there" else "this contact",
        "case": _field(person, "case_subject"),
        "case_age": in_words(_age(person.get("case_opened_at"), day)),
        "case_opened": _day(person.get("case_opened_at")),
        "escalated_ago": _ago(escalated, day) if _present(escalated) else "",
        "topic": _field(person, "complaint_topic"),
        "request": request,
        "request_kind": _request_kind(request),
        "asked": _day(person.get("request_asked_at")),
        "sector": sector, "pressure": pressure,
        "role_cares": cares, "suggestion": suggestion,
        "quiet": quiet.replace("quiet for ", "") if quiet else "", "quiet_raw": quiet,
        "until": _day(hold_until, iso=True) if _present(hold_until) else "",
        "channel": channel,
        "since": _day(person.get("opted_out_since") or day),
        "who": _who(first, person),
    }


def _who(first: str, person: Mapping) -> str:
    """``"Aisha (Operations Manager, logistics)"``: enough for colleagues to recognise them."""
    about = ", ".join(p for p in (clean_field(person.get("title"), FIELD_MAX),
                                  clean_field(person.get("industry"), FIELD_MAX)) if p)
    name = first if first != "there" else str(person.get("contact_key") or "this contact")
    return f"{name} ({about})" if about else name


def _request_kind(request: str) -> str:
    for kind in ("quote", "call", "document"):
        if request.startswith(kind) or request.startswith(f"a {kind}") or \
                request.startswith(f"{kind}s"):
            return kind
    return "help"


def _sector(industry) -> tuple[str, str]:
    name = clean_field(industry, FIELD_MAX)
    lowered = name.lower()
    for keyword, pressure in templates()["sectors"].items():
        if lowered and keyword in lowered:
            return name, pressure
    return name, ""


def _role(title) -> tuple[str, str]:
    words = f" {' '.join(re.findall(r'[a-z]+', clean_field(title, FIELD_MAX).lower()))} "
    for role in templates()["roles"]:
        if any(f" {word} " in words for word in role["words"]):
            return role["cares"], role["suggestion"]
    default = templates()["default_role"]
    return default["cares"], default["suggestion"]


def _pick(variants: list[str], ctx: dict, slot: str) -> str:
    """One variant per person and slot, stable across runs."""
    digest = hashlib.sha256(f"{ctx['key']}|{slot}".encode()).digest()
    return variants[int.from_bytes(digest[:4], "big") % len(variants)].format_map(_Safe(ctx))


def _draft(ctx, lines, t) -> str:
    text = " ".join(line for line in lines if line)
    return f"Hi {ctx['first']},\n\n{text}\n\n{_pick(t['closings'], ctx, 'close')}"


def _body(why, tone, ctx, draft, *, case=True) -> str:
    case_line = ""
    if case and ctx["case"]:
        escalated = f", escalated {ctx['escalated_ago']}" if ctx["escalated_ago"] else ""
        case_line = f"Open case: \"{ctx['case']}\" (opened {ctx['case_opened']}{escalated})\n"
    return (f"Why: {why}\nSuggested tone: {tone}\n{case_line}Draft:\n{draft}\n\n"
            "Written by Empathy Engine. You decide whether and how to reach out.")


class _Safe(dict):
    def __missing__(self, key):
        return ""


def _field(person: Mapping, column: str) -> str:
    return clean_field(person.get(column), FIELD_MAX)


def _present(value) -> bool:
    return value is not None and not (not isinstance(value, str) and pd.isna(value))


def _number(person: Mapping, column: str) -> float | None:
    value = person.get(column)
    if value is None or pd.isna(value):
        return None
    return float(value)


def _age(when, day: dt.date) -> float | None:
    if not _present(when):
        return None
    return float((pd.Timestamp(day) - pd.Timestamp(when).tz_localize(None)
                  if pd.Timestamp(when).tzinfo else pd.Timestamp(day) - pd.Timestamp(when)).days)


def _ago(when, day: dt.date) -> str:
    age = _age(when, day)
    if age is None:
        return ""
    return "today" if age < 1 else f"{in_words(age)} ago"


def _day(value, *, iso: bool = False) -> str:
    if not _present(value):
        return ""
    stamp = pd.Timestamp(value)
    return stamp.date().isoformat() if iso else f"{stamp.day} {stamp:%b}"


def _one_line(value, limit: int) -> str:
    line = " ".join(str(value or "").split()) if _present(value) else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _cap(body: str) -> str:
    return body if len(body) <= BODY_MAX else body[: BODY_MAX - 1] + "…"
