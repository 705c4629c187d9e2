"""Reading CRM v3 objects: list (``after`` paging), get, batch read and search.

A list page carries ``paging`` only when another page follows: client 12's ``get_all`` stops
on its absence and crashes on ``{}``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from empathy_sandbox.hubspot import records as R
from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.server.accounting import HUBSPOT
from empathy_sandbox.hubspot.errors import HsError, batch_error, not_found
from empathy_sandbox.hubspot.http import Handler, batch_inputs, int_param, is_true, json_response, read_body
from empathy_sandbox.hubspot.search import search
from empathy_sandbox.server.runtime import Sandbox

LIST_MAX, HISTORY_LIST_MAX, BATCH_MAX = 100, 50, 100


class ObjectsReadApi:
    """Serves the reads of ``/crm/v3/objects/{objectType}``."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        t = r"([\w-]+)"
        self.routes: list[Handler] = [
            ("GET", rf"v3/objects/{t}", self.list, "list {0}"),
            ("POST", rf"v3/objects/{t}/search", self.search, "search {0}"),
            ("POST", rf"v3/objects/{t}/batch/read", self.batch_read, "batch read {0}"),
            ("GET", rf"v3/objects/{t}/([^/]+)", self.get, "get {0}"),
        ]

    async def list(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        q = request.query_params
        history = R.split_list(q.getlist("propertiesWithHistory"))
        limit = int_param(q.get("limit"), 10, "limit")
        max_limit = HISTORY_LIST_MAX if history else LIST_MAX
        if not 1 <= limit <= max_limit:
            raise HsError(400, f"limit must be between 1 and {max_limit}", "VALIDATION_ERROR")
        after = int_param(q.get("after"), 0, "after")
        props = R.requested_properties(t, R.split_list(q.getlist("properties")))
        rows = R.fetch(self.sb.store, t, "id >= ? AND archived = ?",
                       [after, int(is_true(q.get("archived")))], props, "id", limit + 1)
        page, more = rows[:limit], len(rows) > limit
        body = {"results": self.objects(t, page, history,
                                        R.split_list(q.getlist("associations")))}
        if more:
            nxt = str(rows[limit]["id"])
            body["paging"] = {"next": {"after": nxt, "link": f"{self.sb.hs_base_url}"
                                       f"/crm/v3/objects/{type_name}?limit={limit}&after={nxt}"}}
        return json_response(body)

    async def get(self, request: Request, type_name: str, object_id: str) -> Response:
        t = R.resolve_type(type_name)
        q = request.query_params
        oid = R.lookup_id(self.sb.store, t, object_id, q.get("idProperty"))
        props = R.requested_properties(t, R.split_list(q.getlist("properties")))
        rows = R.fetch(self.sb.store, t, "id = ? AND archived = ?",
                       [oid, int(is_true(q.get("archived")))], props)
        if not rows:
            raise not_found()
        obj = self.objects(t, rows, R.split_list(q.getlist("propertiesWithHistory")),
                           R.split_list(q.getlist("associations")))[0]
        return json_response(obj)

    async def batch_read(self, request: Request, type_name: str) -> Response:
        """200 when every input was found, else 207 with one OBJECT_NOT_FOUND listing the ids."""
        t = R.resolve_type(type_name)
        body = await read_body(request)
        inputs = batch_inputs(body, BATCH_MAX)
        started = R.now_iso()
        wanted, missing = [], []
        for item in inputs:
            try:
                wanted.append(R.lookup_id(self.sb.store, t, str(item.get("id", "")),
                                          body.get("idProperty")))
            except HsError:
                missing.append(str(item.get("id", "")))
        props = R.requested_properties(t, list(body.get("properties") or []))
        rows = R.fetch(self.sb.store, t, f"archived = 0 AND id IN ({','.join('?' * len(wanted))})",
                       wanted, props) if wanted else []
        found = {r["id"] for r in rows}
        missing += [str(i) for i in wanted if i not in found]
        results = self.objects(t, rows, list(body.get("propertiesWithHistory") or []), [])
        out = {"status": "COMPLETE", "results": results, "startedAt": started,
               "completedAt": R.now_iso()}
        if missing:
            out["numErrors"] = 1
            out["errors"] = [batch_error(
                "OBJECT_NOT_FOUND", f"Could not get some {t.singular.upper()} objects, they may "
                "be deleted or not exist. Check that ids are valid.", {"ids": missing})]
            return json_response(out, 207)
        return json_response(out)

    async def search(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        result = search(self.sb.store, t, await read_body(request))
        self.sb.accounting.served(HUBSPOT, len(result["results"]))
        return json_response(result)

    def objects(self, t: H.ObjectType, rows: list[dict], history: list[str],
                associations: list[str]) -> list[dict]:
        """Rows as API objects, with the requested history and v3 associations."""
        hist = R.histories(self.sb.store, t, rows, history) if history else {}
        assoc = R.v3_associations(self.sb.store, t, rows, associations) if associations else {}
        self.sb.accounting.served(HUBSPOT, len(rows))
        return [R.to_json(t, r, hist.get(r["id"]) if history else None, assoc.get(r["id"]))
                for r in rows]
