"""The sandbox's web page: contacts (searchable, paged) and one contact's timeline and tasks."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from empathy_sandbox.server.admin import client_tasks
from empathy_sandbox.server.runtime import Sandbox
from empathy_sandbox.server.timeline import contact_timeline

PAGE_SIZE = 50
_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))


def _when(value) -> str:
    """``2026-10-28T14:32:23.000+0000`` -> ``2026-10-28 14:32`` (UTC)."""
    return "" if not value else str(value)[:16].replace("T", " ")


_env.filters["when"] = _when


def routes(sb: Sandbox) -> list[Route]:
    """``/`` (contacts) and ``/contacts/{person_id}`` (timeline and tasks)."""

    async def contacts(request: Request) -> HTMLResponse:
        q = request.query_params.get("q", "").strip()
        page = max(1, int(request.query_params.get("page", "1") or 1))
        where, params = "", []
        if q:
            where = ("WHERE email LIKE ? OR first_name || ' ' || last_name LIKE ? "
                     "OR company LIKE ?")
            params = [f"%{q}%"] * 3
        conn = sb.store.conn
        total = conn.execute(f"SELECT COUNT(*) FROM people {where}", params).fetchone()[0]
        rows = conn.execute(
            f"SELECT person_id, first_name, last_name, email, title, company, industry, "
            f"sf_contact_id, hs_contact_id, opted_out FROM people {where} ORDER BY last_name, "
            f"first_name, person_id LIMIT ? OFFSET ?", [*params, PAGE_SIZE,
                                                        (page - 1) * PAGE_SIZE]).fetchall()
        counts = _task_counts(sb)
        people = [dict(zip(("id", "first", "last", "email", "title", "company", "industry",
                            "sf", "hs", "opted_out"), r, strict=True)) | {
                       "tasks": counts.get(r[3], 0)} for r in rows]
        pages = max(1, -(-total // PAGE_SIZE))
        html = _env.get_template("contacts.html").render(
            people=people, q=q, page=page, pages=pages, total=total,
            stats=sb.accounting.stats(), now=sb.store.get_meta("world_now"))
        return HTMLResponse(html)

    async def contact(request: Request) -> HTMLResponse:
        person_id = int(request.path_params["person_id"])
        row = sb.store.conn.execute(
            "SELECT person_id, first_name, last_name, email, title, company, industry, "
            "sf_contact_id, hs_contact_id, opted_out FROM people WHERE person_id = ?",
            (person_id,)).fetchone()
        if row is None:
            return HTMLResponse(_env.get_template("missing.html").render(person_id=person_id),
                                status_code=404)
        person = dict(zip(("id", "first", "last", "email", "title", "company", "industry",
                           "sf", "hs", "opted_out"), row, strict=True))
        events = contact_timeline(sb.store, person["sf"], person["hs"], person["email"])
        tasks = [t for t in client_tasks(sb) if (t["contact_email"] or "").lower()
                 == person["email"].lower()]
        html = _env.get_template("contact.html").render(person=person, events=events,
                                                         tasks=tasks)
        return HTMLResponse(html)

    return [Route("/", contacts), Route("/contacts/{person_id:int}", contact)]


def _task_counts(sb: Sandbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for t in client_tasks(sb):
        email = (t["contact_email"] or "").lower()
        counts[email] = counts.get(email, 0) + 1
    return counts
