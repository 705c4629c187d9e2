"""HubSpot's CRM v3 objects / properties / owners and v4 associations API, as
hubspot-api-client 12 calls it.

Status codes are load-bearing: the client returns None for a 2xx it does not expect, so batch
create answers 201, batch read / upsert and search 200, and 207 only for partial success.
"""

from __future__ import annotations

import json
import logging
import re
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox import hubspot_records as R
from sandbox import hubspot_schema as H
from sandbox import hubspot_writes as W
from sandbox.accounting import HUBSPOT, Refusal
from sandbox.hubspot_errors import HsError, batch_error, not_found
from sandbox.hubspot_search import search
from sandbox.runtime import Sandbox, bearer

log = logging.getLogger("sandbox")
LIST_MAX, BATCH_MAX, V4_BATCH_MAX, V4_PAGE = 100, 100, 1000, 500
HISTORY_LIST_MAX = 50


class HubSpotApi:
    """Serves ``/crm/...`` for one sandbox."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        t = r"([\w-]+)"
        self.routes = [
            ("GET", r"v3/owners", self.owners, "owners"),
            ("GET", r"v3/owners/(\d+)", self.owner, "owner"),
            ("GET", rf"v3/properties/{t}", self.properties, "properties {0}"),
            ("POST", rf"v3/properties/{t}", self.create_property, "create property {0}"),
            ("GET", rf"v3/properties/{t}/(\w+)", self.property, "property {0}"),
            ("GET", rf"v3/objects/{t}", self.list, "list {0}"),
            ("POST", rf"v3/objects/{t}", self.create, "create {0}"),
            ("POST", rf"v3/objects/{t}/search", self.search, "search {0}"),
            ("POST", rf"v3/objects/{t}/batch/read", self.batch_read, "batch read {0}"),
            ("POST", rf"v3/objects/{t}/batch/create", self.batch_create, "batch create {0}"),
            ("POST", rf"v3/objects/{t}/batch/update", self.batch_update, "batch update {0}"),
            ("POST", rf"v3/objects/{t}/batch/upsert", self.batch_upsert, "batch upsert {0}"),
            ("GET", rf"v3/objects/{t}/([^/]+)", self.get, "get {0}"),
            ("PATCH", rf"v3/objects/{t}/([^/]+)", self.update, "update {0}"),
            ("GET", rf"v4/objects/{t}/(\d+)/associations/{t}", self.v4_list,
             "v4 associations {0}->{2}"),
            ("PUT", rf"v4/objects/{t}/(\d+)/associations/default/{t}/(\d+)",
             self.v4_create_default, "v4 associate default {0}->{2}"),
            ("PUT", rf"v4/objects/{t}/(\d+)/associations/{t}/(\d+)", self.v4_create,
             "v4 associate {0}->{2}"),
            ("POST", rf"v4/associations/{t}/{t}/batch/read", self.v4_batch_read,
             "v4 batch read {0}->{1}"),
            ("POST", rf"v4/associations/{t}/{t}/batch/create", self.v4_batch_create,
             "v4 batch create {0}->{1}"),
        ]

    async def __call__(self, request: Request) -> Response:
        rest = request.url.path[len("/crm/"):].strip("/")
        handler, args, endpoint = self._route(request.method, rest)
        if handler is None:
            return self._json(not_found().body(), 404)
        token = bearer(request.headers)
        if token != self.sb.hubspot_token:
            return self._json(_unauthorized("INVALID_AUTHENTICATION"), 401)
        is_search = endpoint.startswith("search")
        refusal = await self.sb.accounting.admit(HUBSPOT, endpoint, session=token,
                                                 search=is_search)
        if refusal is not None:
            return self._refusal(refusal)
        try:
            response = await handler(request, *args)
        except HsError as exc:
            response = self._json(exc.body(), exc.status)
        except Exception:  # noqa: BLE001 - a sandbox bug still answers in HubSpot's format
            log.exception("hubspot handler failed")
            response = self._json({"status": "error", "message": "internal error",
                                   "correlationId": str(uuid.uuid4())}, 500)
        if not is_search:
            self._limit_headers(response)
        return response

    def _route(self, method: str, rest: str):
        for verb, pattern, handler, label in self.routes:
            if verb == method:
                m = re.fullmatch(pattern, rest)
                if m:
                    return handler, m.groups(), label.format(*m.groups())
        return None, (), ""

    # -- responses -------------------------------------------------------------------------
    def _json(self, body, status: int = 200) -> Response:
        headers = {"X-HubSpot-Correlation-Id": str(uuid.uuid4())}
        if status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(body, status_code=status, headers=headers,
                            media_type="application/json;charset=utf-8")

    def _limit_headers(self, response: Response) -> None:
        acc = self.sb.accounting
        daily = acc.daily_limit(HUBSPOT)
        response.headers.update({
            "X-HubSpot-RateLimit-Daily": str(daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily - acc.daily_used[HUBSPOT])),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(acc.burst_limit()),
            "X-HubSpot-RateLimit-Remaining": str(acc.burst_remaining()),
            "X-HubSpot-RateLimit-Secondly": str(max(1, acc.burst_limit() // 10)),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, acc.burst_remaining() // 10)),
        })

    def _refusal(self, refusal: Refusal) -> Response:
        if refusal.kind == "expired":
            return self._json(_unauthorized("EXPIRED_AUTHENTICATION"), 401)
        if refusal.kind in ("daily_limit", "rate_limit", "search_rate_limit"):
            policy = {"daily_limit": "DAILY", "rate_limit": "TEN_SECONDLY_ROLLING",
                      "search_rate_limit": "SECONDLY"}[refusal.kind]
            message = {"DAILY": "You have reached your daily limit.",
                       "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling "
                                               "limit.",
                       "SECONDLY": "You have reached your secondly limit."}[policy]
            response = self._json({"status": "error", "message": message,
                                   "errorType": "RATE_LIMIT", "category": "RATE_LIMITS",
                                   "correlationId": str(uuid.uuid4()),
                                   "policyName": policy}, 429)
            # No Retry-After: HubSpot does not document one, and urllib3 (under the client)
            # would silently retry GETs that carry it, hiding the 429 from the caller.
            self._limit_headers(response)
            return response
        return self._json({"status": "error", "message": "internal error (sandbox fault)",
                           "correlationId": str(uuid.uuid4())}, 502)

    # -- owners ----------------------------------------------------------------------------
    async def owners(self, request: Request) -> Response:
        q = request.query_params
        limit = min(int(q.get("limit") or 100), 500)
        after = int(q.get("after") or 0)
        where, params = "id >= ?", [after]
        if q.get("email"):
            where += " AND email = ? COLLATE NOCASE"
            params.append(q["email"])
        rows = self.sb.store.conn.execute(
            f"SELECT id, email, first_name, last_name, user_id, created_at, updated_at FROM "
            f"hs_owners WHERE {where} ORDER BY id LIMIT ?", [*params, limit + 1]).fetchall()
        body = {"results": [_owner(r) for r in rows[:limit]]}
        if len(rows) > limit:
            body["paging"] = {"next": {"after": str(rows[limit][0]), "link": ""}}
        return self._json(body)

    async def owner(self, request: Request, owner_id: str) -> Response:
        row = self.sb.store.conn.execute(
            "SELECT id, email, first_name, last_name, user_id, created_at, updated_at FROM "
            "hs_owners WHERE id = ?", (int(owner_id),)).fetchone()
        if row is None:
            raise not_found()
        return self._json(_owner(row))

    # -- properties ------------------------------------------------------------------------
    async def properties(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        props = self.sb.store.hs_properties(t)
        return self._json({"results": [p.to_json(t.name) for p in props.values()]})

    async def property(self, request: Request, type_name: str, name: str) -> Response:
        t = R.resolve_type(type_name)
        prop = self.sb.store.hs_properties(t).get(name)
        if prop is None:
            raise not_found(f"Property {t.name}:{name} does not exist")
        return self._json(prop.to_json(t.name))

    async def create_property(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        prop = W.create_property(self.sb.store, t, await _body(request))
        return self._json(prop.to_json(t.name), 201)

    # -- reads -----------------------------------------------------------------------------
    async def list(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        q = request.query_params
        history = R.split_list(q.getlist("propertiesWithHistory"))
        limit = _int(q.get("limit"), 10, "limit")
        max_limit = HISTORY_LIST_MAX if history else LIST_MAX
        if not 1 <= limit <= max_limit:
            raise HsError(400, f"limit must be between 1 and {max_limit}", "VALIDATION_ERROR")
        after = _int(q.get("after"), 0, "after")
        archived = q.get("archived", "false").lower() == "true"
        props = R.requested_properties(t, R.split_list(q.getlist("properties")))
        rows = R.fetch(self.sb.store, t, "id >= ? AND archived = ?", [after, int(archived)],
                       props, "id", limit + 1)
        page, more = rows[:limit], len(rows) > limit
        body = {"results": self._objects(t, page, history,
                                         R.split_list(q.getlist("associations")))}
        if more:
            nxt = str(rows[limit]["id"])
            body["paging"] = {"next": {"after": nxt, "link": f"{self.sb.hs_base_url}"
                                       f"/crm/v3/objects/{type_name}?limit={limit}&after={nxt}"}}
        return self._json(body)

    async def get(self, request: Request, type_name: str, object_id: str) -> Response:
        t = R.resolve_type(type_name)
        q = request.query_params
        oid = self._lookup_id(t, object_id, q.get("idProperty"))
        archived = q.get("archived", "false").lower() == "true"
        props = R.requested_properties(t, R.split_list(q.getlist("properties")))
        rows = R.fetch(self.sb.store, t, "id = ? AND archived = ?", [oid, int(archived)], props)
        if not rows:
            raise not_found()
        obj = self._objects(t, rows, R.split_list(q.getlist("propertiesWithHistory")),
                            R.split_list(q.getlist("associations")))[0]
        return self._json(obj)

    async def batch_read(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        body = await _body(request)
        inputs = _inputs(body, BATCH_MAX)
        id_property = body.get("idProperty")
        started = R.now_iso()
        wanted, missing = [], []
        for item in inputs:
            try:
                wanted.append(self._lookup_id(t, str(item.get("id", "")), id_property))
            except HsError:
                missing.append(str(item.get("id", "")))
        props = R.requested_properties(t, list(body.get("properties") or []))
        rows = R.fetch(self.sb.store, t, f"archived = 0 AND id IN ({','.join('?' * len(wanted))})"
                       if wanted else "0", wanted, props) if wanted else []
        found = {r["id"] for r in rows}
        missing += [str(i) for i in wanted if i not in found]
        results = self._objects(t, rows, list(body.get("propertiesWithHistory") or []), [])
        out = {"status": "COMPLETE", "results": results, "startedAt": started,
               "completedAt": R.now_iso()}
        if missing:
            out["numErrors"] = 1
            out["errors"] = [batch_error(
                "OBJECT_NOT_FOUND", f"Could not get some {t.singular.upper()} objects, they may "
                "be deleted or not exist. Check that ids are valid.", {"ids": missing})]
            return self._json(out, 207)
        return self._json(out)

    def _objects(self, t: H.ObjectType, rows: list[dict], history: list[str],
                 associations: list[str]) -> list[dict]:
        hist = R.histories(self.sb.store, t, rows, history) if history else {}
        assoc = R.v3_associations(self.sb.store, t, rows, associations) if associations else {}
        self.sb.accounting.served(HUBSPOT, len(rows))
        return [R.to_json(t, r, hist.get(r["id"]) if history else None, assoc.get(r["id"]))
                for r in rows]

    def _lookup_id(self, t: H.ObjectType, value: str, id_property: str | None) -> int:
        if id_property and id_property != "hs_object_id":
            prop = self.sb.store.hs_properties(t).get(id_property)
            if prop is None or not (prop.has_unique_value or _natural_key(t, id_property)):
                raise HsError(400, f"{id_property} is not a unique identifier property of "
                              f"{t.name}", "VALIDATION_ERROR")
            row = self.sb.store.conn.execute(
                f'SELECT id FROM {t.table} WHERE "{id_property}" = ? COLLATE NOCASE', (value,)
            ).fetchone()
            if row is None:
                raise not_found()
            return row[0]
        oid = R.parse_id(value)
        if oid is None:
            raise not_found("Object not found.  objectId are usually numeric.")
        return oid

    async def search(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        result = search(self.sb.store, t, await _body(request))
        self.sb.accounting.served(HUBSPOT, len(result["results"]))
        return self._json(result)

    # -- writes ----------------------------------------------------------------------------
    async def create(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        body = await _body(request)
        with self.sb.store.transaction():
            oid = self._create_one(t, body)
        return self._json(self._read_back(t, [oid])[0], 201)

    async def update(self, request: Request, type_name: str, object_id: str) -> Response:
        t = R.resolve_type(type_name)
        body = await _body(request)
        oid = self._lookup_id(t, object_id, request.query_params.get("idProperty"))
        values = W.clean_properties(self.sb.store, t, body.get("properties") or {}, False)
        with self.sb.store.transaction():
            W.update(self.sb.store, t, oid, values)
        return self._json(self._read_back(t, [oid])[0])

    def _create_one(self, t: H.ObjectType, item: dict) -> int:
        values = W.clean_properties(self.sb.store, t, item.get("properties") or {}, True)
        oid = W.insert(self.sb.store, t, values)
        W.associate_inputs(self.sb.store, t, oid, item.get("associations"))
        return oid

    def _read_back(self, t: H.ObjectType, ids: list[int], extra=()) -> list[dict]:
        props = [p for p in self.sb.store.hs_columns(t)] + list(H.COMPUTED) + list(extra)
        rows = {r["id"]: r for r in R.fetch(
            self.sb.store, t, f"id IN ({','.join('?' * len(ids))})", ids, props)}
        out = []
        for oid in ids:
            row = rows[oid]
            row["properties"] = {k: v for k, v in row["properties"].items() if v is not None}
            out.append(R.to_json(t, row))
        return out

    async def batch_create(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        inputs = _inputs(await _body(request), BATCH_MAX)
        return self._batch(t, inputs, lambda item: (self._create_one(t, item), None), 201)

    async def batch_update(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        body = await _body(request)
        inputs = _inputs(body, BATCH_MAX)

        def one(item):
            oid = self._lookup_id(t, str(item.get("id", "")), item.get("idProperty"))
            values = W.clean_properties(self.sb.store, t, item.get("properties") or {}, False)
            W.update(self.sb.store, t, oid, values)
            return oid, None
        return self._batch(t, inputs, one, 200)

    async def batch_upsert(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        inputs = _inputs(await _body(request), BATCH_MAX)
        ids = [str(i.get("id", "")) for i in inputs]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise HsError(400, f"Duplicate IDs found in batch input: {dupes}. IDs must be "
                          "unique", "VALIDATION_ERROR")
        for item in inputs:
            self._check_id_property(t, item.get("idProperty"))

        def one(item):
            key, prop = str(item.get("id", "")), item["idProperty"]
            props = dict(item.get("properties") or {})
            if props.get(prop) not in (None, key):
                raise HsError(400, f"{prop} in properties ({props[prop]!r}) differs from the "
                              f"input id ({key!r})", "VALIDATION_ERROR")
            props[prop] = key
            row = self.sb.store.conn.execute(
                f'SELECT id FROM {t.table} WHERE "{prop}" = ? COLLATE NOCASE AND archived = 0',
                (key,)).fetchone()
            if row is None:
                return self._create_one(t, {**item, "properties": props}), True
            values = W.clean_properties(self.sb.store, t, props, False)
            W.update(self.sb.store, t, row[0], values)
            return row[0], False
        return self._batch(t, inputs, one, 200, upsert=True)

    def _check_id_property(self, t: H.ObjectType, name: str | None) -> None:
        if not name:
            raise HsError(400, "idProperty is required for batch upsert", "VALIDATION_ERROR")
        prop = self.sb.store.hs_properties(t).get(name)
        if prop is None:
            raise HsError(400, f'Property "{name}" does not exist', "VALIDATION_ERROR",
                          [{"message": f'Property "{name}" does not exist',
                            "code": "PROPERTY_DOESNT_EXIST",
                            "context": {"propertyName": [name]}}])
        if not (prop.has_unique_value or _natural_key(t, name)):
            raise HsError(400, f"Cannot upsert by {name}: the property does not have unique "
                          "values (hasUniqueValue is false)", "VALIDATION_ERROR",
                          [{"message": f"{name} is not a unique value property",
                            "code": "INVALID_ID_PROPERTY",
                            "context": {"propertyName": [name]}}])

    def _batch(self, t: H.ObjectType, inputs: list[dict], one, status: int,
               upsert: bool = False) -> Response:
        """Apply ``one`` to each input. Inputs with ``objectWriteTraceId`` fail alone (207);
        without it, one failure fails the whole request, as HubSpot does."""
        conn = self.sb.store.conn
        started = R.now_iso()
        done, errors = [], []
        multi = all(i.get("objectWriteTraceId") for i in inputs)
        conn.execute("BEGIN")
        try:
            for item in inputs:
                conn.execute("SAVEPOINT item")
                try:
                    oid, new = one(item)
                    done.append((oid, new, item.get("objectWriteTraceId")))
                except HsError as exc:
                    conn.execute("ROLLBACK TO item")
                    if not multi:
                        raise
                    errors.append(exc.batch_item(
                        {"objectWriteTraceId": [item["objectWriteTraceId"]]}))
                conn.execute("RELEASE item")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        results = self._read_back(t, [d[0] for d in done]) if done else []
        for res, (_oid, new, trace) in zip(results, done, strict=True):
            if upsert:
                res["new"] = bool(new)
            if trace:
                res["objectWriteTraceId"] = trace
        body = {"status": "COMPLETE", "results": results, "startedAt": started,
                "completedAt": R.now_iso()}
        if errors:
            body.update(numErrors=len(errors), errors=errors)
            return self._json(body, 207)
        return self._json(body, status)

    # -- v4 associations -------------------------------------------------------------------
    async def v4_list(self, request: Request, type_name: str, object_id: str, to_name: str
                      ) -> Response:
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        q = request.query_params
        limit = min(_int(q.get("limit"), V4_PAGE, "limit"), V4_PAGE)
        after = _int(q.get("after"), 0, "after")
        if not R.exists(self.sb.store, t, int(object_id)):
            raise not_found()
        links = _group(R.associated(self.sb.store, t, [int(object_id)], to_t)
                       .get(int(object_id), []))
        page = links[after: after + limit]
        body = {"results": page}
        if after + limit < len(links):
            body["paging"] = {"next": {"after": str(after + limit), "link": ""}}
        return self._json(body)

    async def v4_batch_read(self, request: Request, from_name: str, to_name: str) -> Response:
        t, to_t = R.resolve_type(from_name), R.resolve_type(to_name)
        inputs = _inputs(await _body(request), V4_BATCH_MAX)
        started = R.now_iso()
        ids = [R.parse_id(i.get("id", "")) for i in inputs]
        links = R.associated(self.sb.store, t, [i for i in ids if i is not None], to_t)
        results, errors = [], []
        for raw, oid in zip(inputs, ids, strict=True):
            if oid is not None and links.get(oid):
                results.append({"from": {"id": str(oid)}, "to": _group(links[oid])})
            else:
                # No subCategory: the spec types StandardError.subCategory as an object, and
                # the string a third-party capture shows would not validate.
                errors.append(batch_error(
                    "OBJECT_NOT_FOUND",
                    f"No {to_t.singular} is associated with {t.singular} {raw.get('id')}.",
                    {"fromObjectId": [str(raw.get("id"))], "fromObjectType": [t.singular],
                     "toObjectType": [to_t.singular]}))
        body = {"status": "COMPLETE", "results": results, "startedAt": started,
                "completedAt": R.now_iso()}
        if errors:
            body.update(numErrors=len(errors), errors=errors)
            return self._json(body, 207)
        return self._json(body)

    async def v4_create(self, request: Request, type_name: str, object_id: str, to_name: str,
                        to_id: str) -> Response:
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        specs = await _body(request)
        if not isinstance(specs, list) or not specs:
            raise HsError(400, "body must be a list of association specs", "VALIDATION_ERROR")
        with self.sb.store.transaction():
            self._link(t, int(object_id), to_t, int(to_id), specs)
        return self._json(_pair(t, int(object_id), to_t, int(to_id)), 201)

    async def v4_create_default(self, request: Request, type_name: str, object_id: str,
                                to_name: str, to_id: str) -> Response:
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        with self.sb.store.transaction():
            self._link(t, int(object_id), to_t, int(to_id), [{}])
        type_id = H.ASSOCIATION_TYPES[(t.singular, to_t.singular)]
        return self._json({"status": "COMPLETE", "results": [{
            "from": {"id": object_id}, "to": {"id": to_id},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": type_id}}],
            "startedAt": R.now_iso(), "completedAt": R.now_iso()})

    async def v4_batch_create(self, request: Request, from_name: str, to_name: str
                              ) -> Response:
        t, to_t = R.resolve_type(from_name), R.resolve_type(to_name)
        inputs = _inputs(await _body(request), BATCH_MAX)
        started = R.now_iso()
        results, errors = [], []
        with self.sb.store.transaction():
            for item in inputs:
                fid = R.parse_id((item.get("from") or {}).get("id", ""))
                tid = R.parse_id((item.get("to") or {}).get("id", ""))
                try:
                    if fid is None or tid is None:
                        raise HsError(400, "from.id and to.id must be numeric ids",
                                      "VALIDATION_ERROR")
                    self._link(t, fid, to_t, tid, item.get("types") or [{}])
                    results.append(_pair(t, fid, to_t, tid))
                except HsError as exc:
                    errors.append(exc.batch_item(
                        {"fromObjectId": [str((item.get("from") or {}).get("id", ""))],
                         "toObjectId": [str((item.get("to") or {}).get("id", ""))]}))
        body = {"status": "COMPLETE", "results": results, "startedAt": started,
                "completedAt": R.now_iso()}
        if errors:
            if not results:
                raise HsError(400, errors[0]["message"], "VALIDATION_ERROR")
            body.update(numErrors=len(errors), errors=errors)
            return self._json(body, 207)
        return self._json(body, 201)

    def _link(self, t: H.ObjectType, fid: int, to_t: H.ObjectType, tid: int, specs) -> None:
        if not R.exists(self.sb.store, t, fid):
            raise HsError(400, f"{t.singular} {fid} does not exist", "VALIDATION_ERROR")
        for spec in specs:
            category = spec.get("associationCategory", "HUBSPOT_DEFINED")
            if category != "HUBSPOT_DEFINED":
                raise HsError(400, f"association category {category} is not defined in this "
                              "portal (only HUBSPOT_DEFINED types exist)", "VALIDATION_ERROR")
            W.associate(self.sb.store, t, fid, to_t, tid, spec.get("associationTypeId"))


def _pair(t: H.ObjectType, fid: int, to_t: H.ObjectType, tid: int) -> dict:
    return {"fromObjectTypeId": t.type_id, "fromObjectId": fid,
            "toObjectTypeId": to_t.type_id, "toObjectId": tid, "labels": []}


def _group(links: list[tuple[int, int]]) -> list[dict]:
    """[(to id, type id)] -> v4 results, one per associated object."""
    grouped: dict[int, list[int]] = {}
    for tid, type_id in links:
        grouped.setdefault(tid, []).append(type_id)
    return [{"toObjectId": tid, "associationTypes": [
        {"category": "HUBSPOT_DEFINED", "typeId": ty, "label": "Primary" if ty in (1, 2) else None}
        for ty in types]} for tid, types in grouped.items()]


def _natural_key(t: H.ObjectType, name: str) -> bool:
    return name in H.NATURAL_KEYS.get(t.name, ())


def _owner(row) -> dict:
    oid, email, first, last, user_id, created, updated = row
    return {"id": str(oid), "email": email, "firstName": first, "lastName": last,
            "userId": user_id, "userIdIncludingInactive": user_id, "createdAt": created,
            "updatedAt": updated, "archived": False, "type": "PERSON"}


def _unauthorized(category: str) -> dict:
    message = ("The OAuth token used to make this call expired" if category ==
               "EXPIRED_AUTHENTICATION" else
               "Authentication credentials not found. This API supports OAuth 2.0 "
               "authentication and you can find more details at "
               "https://developers.hubspot.com/docs/methods/auth/oauth-overview")
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()),
            "category": category}


def _int(value, default: int, name: str) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise HsError(400, f"{name} must be an integer, got {value!r}",
                      "VALIDATION_ERROR") from None


async def _body(request: Request):
    raw = await request.body()
    try:
        return json.loads(raw or b"{}")
    except ValueError as exc:
        raise HsError(400, f"Invalid input JSON: {exc}", "VALIDATION_ERROR") from exc


def _inputs(body, limit: int) -> list[dict]:
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise HsError(400, "inputs must be a list of objects", "VALIDATION_ERROR")
    if len(inputs) > limit:
        raise HsError(400, f"Batch input limit exceeded: {len(inputs)} inputs, at most "
                      f"{limit}", "VALIDATION_ERROR")
    return inputs
