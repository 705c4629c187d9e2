"""Admin endpoints (JSON, no auth, localhost only): stats, reset, faults and the tasks that
clients wrote, so tests and the demo can check what reached each CRM."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from empathy_sandbox.server.accounting import Faults
from empathy_sandbox.server.runtime import Sandbox


def client_tasks(sb: Sandbox) -> list[dict]:
    """Every task a client wrote, in either CRM, with its contact's email and action key."""
    conn = sb.store.conn
    tasks = []
    for row in conn.execute(
        'SELECT t.Id, c.Email, t.Empathy_Key__c, t.Subject, t.Status, t.Priority, '
        't.ActivityDate, t.OwnerId, t.CreatedDate, t.IsDeleted, t.Description FROM "Task" t '
        'LEFT JOIN "Contact" c ON c.Id = t.WhoId WHERE t._source = \'api\' ORDER BY t.rowid'
    ):
        tasks.append({"crm": "salesforce", "id": row[0], "contact_email": row[1],
                      "action_key": row[2], "subject": row[3], "status": row[4],
                      "priority": row[5], "due": row[6], "owner_id": row[7],
                      "created_at": row[8], "deleted": bool(row[9]), "body": row[10]})
    has_key = "empathy_key" in sb.store.hs_columns_by_name("tasks")
    key_col = 't."empathy_key"' if has_key else "NULL"
    for row in conn.execute(
        f"SELECT t.id, (SELECT c.email FROM hs_assoc a JOIN hs_contacts c ON c.id = a.to_id "
        f"WHERE a.from_type = 'task' AND a.from_id = t.id AND a.to_type = 'contact' LIMIT 1), "
        f"{key_col}, t.hs_task_subject, t.hs_task_status, t.hs_task_priority, t.hs_timestamp, "
        f"t.hubspot_owner_id, t.created_at, t.archived, t.hs_task_body FROM hs_tasks t "
        f"WHERE t._source = 'api' ORDER BY t.id"
    ):
        tasks.append({"crm": "hubspot", "id": str(row[0]), "contact_email": row[1],
                      "action_key": row[2], "subject": row[3], "status": row[4],
                      "priority": row[5], "due": row[6], "owner_id": row[7],
                      "created_at": row[8], "deleted": bool(row[9]), "body": row[10]})
    return tasks


def routes(sb: Sandbox) -> list[Route]:
    """The ``/_admin`` routes for one sandbox."""

    async def stats(request: Request) -> JSONResponse:
        body = sb.accounting.stats()
        body["seeded"] = {"params": sb.store.get_meta("params"),
                          "counts": sb.store.get_meta("counts"),
                          "seconds": sb.store.get_meta("seconds")}
        return JSONResponse(body)

    async def reset(request: Request) -> JSONResponse:
        sb.reseed()
        return JSONResponse({"status": "reseeded", "seconds": sb.store.get_meta("seconds"),
                             "counts": sb.store.get_meta("counts")})

    async def tasks(request: Request) -> JSONResponse:
        return JSONResponse(client_tasks(sb))

    async def get_faults(request: Request) -> JSONResponse:
        return JSONResponse(sb.accounting.faults.to_json())

    async def set_faults(request: Request) -> JSONResponse:
        try:
            faults = Faults.from_json(json.loads(await request.body() or b"{}"))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        sb.accounting.set_faults(faults)
        return JSONResponse(faults.to_json())

    return [
        Route("/_admin/stats", stats, methods=["GET"]),
        Route("/_admin/reset", reset, methods=["POST"]),
        Route("/_admin/tasks", tasks, methods=["GET"]),
        Route("/_admin/faults", get_faults, methods=["GET"]),
        Route("/_admin/faults", set_faults, methods=["POST"]),
    ]
