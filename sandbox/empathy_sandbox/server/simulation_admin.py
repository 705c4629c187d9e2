"""The simulator's truth, and moving simulated time forward, behind the admin endpoints.

``GET /_admin/truth?as_of=YYYY-MM-DD[&horizon_days=28]`` returns, per person, the hidden
state, the true probability of an engagement drop over the horizon with no action, and the
best action. ``POST /_admin/advance {"days": N}`` applies every task written since the last
advance as an action (its kind read from the task's subject: "Reach out to help…" is a support
note, "Check in with a relevant offer…" an offer, "Hold outreach…" a silence), simulates N more
days, and re-seeds the CRMs with the longer history while keeping everything clients wrote.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from empathy_sandbox.server.admin import client_tasks
from empathy_sandbox.server.runtime import Sandbox
from empathy_sandbox.server.state import SeedParams, build_state, load_world

ACTIONS = ("support_note", "offer", "silence")
_PATTERNS = (
    ("silence", re.compile(r"^\s*hold\b|\bhold outreach\b|\bsilence\b", re.I)),
    ("support_note", re.compile(r"\breach out to help\b|\bsupport\b|\bhelp\b", re.I)),
    ("offer", re.compile(r"\boffer\b|\bcheck[ -]in\b", re.I)),
)
MAX_ADVANCE_DAYS = 365


def classify(task: dict) -> str | None:
    """Which action a written task stands for, from its key or subject; None if unknown."""
    key = str(task.get("action_key") or "")
    for action in ACTIONS:
        if action in key:
            return action
    subject = str(task.get("subject") or "")
    for action, pattern in _PATTERNS:
        if pattern.search(subject):
            return action
    return None


def pending_actions(sb: Sandbox, now: dt.datetime) -> tuple[pd.DataFrame, list[str], int]:
    """(actions frame, task ids now applied, tasks skipped as unrecognised)."""
    applied = set(sb.store.get_meta("applied_actions", []))
    rows, ids, skipped = [], [], 0
    for task in client_tasks(sb):
        tid = f"{task['crm']}:{task['id']}"
        if tid in applied or task["deleted"] or not task["contact_email"]:
            continue
        action = classify(task)
        if action is None:
            skipped += 1
            continue
        rows.append({"email": task["contact_email"].lower(), "action": action,
                     "ts": pd.Timestamp(now)})
        ids.append(tid)
    frame = pd.DataFrame(rows, columns=["email", "action", "ts"])
    if not frame.empty:
        frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame, ids, skipped


def routes(sb: Sandbox) -> list[Route]:
    async def truth(request: Request) -> JSONResponse:
        from empathy_sandbox.simulator import generate as simulator

        world = load_world(sb.state_dir)
        try:
            as_of = dt.date.fromisoformat(request.query_params.get("as_of") or
                                          world.now.date().isoformat())
            horizon = int(request.query_params.get("horizon_days") or 28)
        except ValueError as exc:
            return JSONResponse({"error": f"as_of must be YYYY-MM-DD and horizon_days an "
                                          f"integer: {exc}"}, status_code=400)
        table = simulator.truth(world, simulator.load_config(), as_of, horizon_days=horizon)
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        return JSONResponse({"as_of": as_of.isoformat(), "horizon_days": horizon,
                             "now": world.now.isoformat(), "people": records})

    async def advance(request: Request) -> JSONResponse:
        from empathy_sandbox.simulator import generate as simulator

        try:
            body = await request.json()
            days = int(body.get("days", 0))
        except (ValueError, AttributeError, TypeError):
            return JSONResponse({"error": 'send {"days": N}'}, status_code=400)
        if not 1 <= days <= MAX_ADVANCE_DAYS:
            return JSONResponse({"error": f"days must be 1..{MAX_ADVANCE_DAYS}"},
                                status_code=400)
        world = load_world(sb.state_dir)
        actions, applied_ids, skipped = pending_actions(sb, world.now)
        new_world = simulator.advance(world, simulator.load_config(), days, actions)
        applied = sb.store.get_meta("applied_actions", []) + applied_ids
        with sb.store.transaction():
            sb.store.set_meta("applied_actions", applied)
        params = sb.store.get_meta("params")
        tokens = {"session_id": sb.session_id, "hubspot_token": sb.hubspot_token}
        sb.store.close()
        sb.store = build_state(sb.state_dir, SeedParams(params["contacts"], params["seed"],
                                                         params["days"]),
                               new_world, tokens, carry_api_records=True)
        sb.cursors.clear()
        if sb.on_reseed:
            sb.on_reseed()
        return JSONResponse({
            "now": new_world.now.isoformat(), "previous_now": world.now.isoformat(),
            "actions_applied": actions["action"].value_counts().to_dict(),
            "tasks_not_recognised": skipped,
            "ignored_by_simulator": new_world.extra.get("ignored_actions", 0),
            "counts": sb.store.get_meta("counts")})

    return [Route("/_admin/truth", truth, methods=["GET"]),
            Route("/_admin/advance", advance, methods=["POST"])]
