"""``/crm/v3/owners`` and ``/crm/v3/properties/{objectType}``: who owns records, and the
property definitions of each object type (including creating one with ``hasUniqueValue``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from empathy_sandbox.hubspot import records as R
from empathy_sandbox.hubspot import writes as W
from empathy_sandbox.hubspot.errors import not_found
from empathy_sandbox.hubspot.http import Handler, json_response, read_body
from empathy_sandbox.server.runtime import Sandbox

OWNER_COLUMNS = "id, email, first_name, last_name, user_id, created_at, updated_at"
OWNERS_MAX = 500


class OwnersAndPropertiesApi:
    """Serves owners (``GET /crm/v3/owners/``, note the client's trailing slash) and property
    definitions."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        t = r"([\w-]+)"
        self.routes: list[Handler] = [
            ("GET", r"v3/owners", self.owners, "owners"),
            ("GET", r"v3/owners/(\d+)", self.owner, "owner"),
            ("GET", rf"v3/properties/{t}", self.properties, "properties {0}"),
            ("POST", rf"v3/properties/{t}", self.create_property, "create property {0}"),
            ("GET", rf"v3/properties/{t}/(\w+)", self.property, "property {0}"),
        ]

    async def owners(self, request: Request) -> Response:
        q = request.query_params
        limit = min(int(q.get("limit") or 100), OWNERS_MAX)
        after = int(q.get("after") or 0)
        where, params = "id >= ?", [after]
        if q.get("email"):
            where += " AND email = ? COLLATE NOCASE"
            params.append(q["email"])
        rows = self.sb.store.conn.execute(
            f"SELECT {OWNER_COLUMNS} FROM hs_owners WHERE {where} ORDER BY id LIMIT ?",
            [*params, limit + 1]).fetchall()
        body = {"results": [_owner(r) for r in rows[:limit]]}
        if len(rows) > limit:
            body["paging"] = {"next": {"after": str(rows[limit][0]), "link": ""}}
        return json_response(body)

    async def owner(self, request: Request, owner_id: str) -> Response:
        row = self.sb.store.conn.execute(
            f"SELECT {OWNER_COLUMNS} FROM hs_owners WHERE id = ?", (int(owner_id),)).fetchone()
        if row is None:
            raise not_found()
        return json_response(_owner(row))

    async def properties(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        props = self.sb.store.hs_properties(t)
        return json_response({"results": [p.to_json(t.name) for p in props.values()]})

    async def property(self, request: Request, type_name: str, name: str) -> Response:
        t = R.resolve_type(type_name)
        prop = self.sb.store.hs_properties(t).get(name)
        if prop is None:
            raise not_found(f"Property {t.name}:{name} does not exist")
        return json_response(prop.to_json(t.name))

    async def create_property(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        prop = W.create_property(self.sb.store, t, await read_body(request))
        return json_response(prop.to_json(t.name), 201)


def _owner(row) -> dict:
    oid, email, first, last, user_id, created, updated = row
    return {"id": str(oid), "email": email, "firstName": first, "lastName": last,
            "userId": user_id, "userIdIncludingInactive": user_id, "createdAt": created,
            "updatedAt": updated, "archived": False, "type": "PERSON"}
