"""The Salesforce REST API (``/services/data/vNN.N/...``) as simple-salesforce 1.12 uses it.

One catch-all route: the path is normalised (version captured, trailing slash dropped) and
dispatched on a small table of regular expressions. Every error body is Salesforce's JSON list
``[{"message", "errorCode"}]``; every response carries ``Sforce-Limit-Info``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from empathy_sandbox.salesforce import schema as S
from empathy_sandbox.salesforce import writes as W
from empathy_sandbox.salesforce.query import Plan, compile_query, fetch_rows
from empathy_sandbox.salesforce.soql import SoqlError, parse
from empathy_sandbox.server.accounting import SALESFORCE, Refusal
from empathy_sandbox.server.runtime import Sandbox, bearer

log = logging.getLogger("sandbox")
DEFAULT_BATCH = 2000
MIN_BATCH, MAX_BATCH = 200, 2000
COLLECTION_LIMIT = 200
_PREFIX = re.compile(r"^/services/data/v(\d+\.\d+)(/.*)?$")


@dataclass
class Cursor:
    """A query's matching rows, fetched page by page through ``nextRecordsUrl``."""

    plan: Plan
    rowids: list[int]
    batch: int
    kind: str  # query | queryAll


class SfError(Exception):
    """An error response in Salesforce's list format."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.status, self.body = status, [{"message": message, "errorCode": code}]
        if fields:
            self.body[0]["fields"] = fields


NOT_FOUND = (404, "NOT_FOUND", "The requested resource does not exist")


class SalesforceApi:
    """Serves ``/services/data/...`` for one sandbox."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        self.routes = [
            ("GET", r"(query|queryAll)", self.query, "{0}"),
            ("GET", r"(query|queryAll)/(01g[0-9a-zA-Z]+)-(\d+)", self.query_more, "{0} more"),
            ("GET", r"limits", self.limits, "limits"),
            ("GET", r"sobjects", self.describe_global, "describe global"),
            ("GET", r"sobjects/(\w+)/describe", self.describe, "describe {0}"),
            ("POST", r"sobjects/(\w+)", self.create, "create {0}"),
            ("GET", r"sobjects/(\w+)/(\w{15}|\w{18})", self.get_record, "get {0}"),
            ("PATCH", r"sobjects/(\w+)/(\w{15}|\w{18})", self.update, "update {0}"),
            ("DELETE", r"sobjects/(\w+)/(\w{15}|\w{18})", self.delete, "delete {0}"),
            ("GET", r"sobjects/(\w+)/(\w+)/(.+)", self.get_by_external_id,
             "get {0} by external id"),
            ("PATCH", r"sobjects/(\w+)/(\w+)/(.+)", self.upsert, "upsert {0}"),
            ("POST", r"composite/sobjects", self.collection_create, "collection create"),
            ("PATCH", r"composite/sobjects", self.collection_update, "collection update"),
            ("PATCH", r"composite/sobjects/(\w+)/(\w+)", self.collection_upsert,
             "collection upsert {0}"),
            ("DELETE", r"composite/sobjects", self.collection_delete, "collection delete"),
        ]
        self.extra_routes: list = []  # Bulk API 2.0 registers here

    async def __call__(self, request: Request) -> Response:
        m = _PREFIX.match(request.url.path)
        if not m:
            return self._json([{"errorCode": "NOT_FOUND", "message": "The requested resource "
                                "does not exist"}], 404)
        version, rest = m.group(1), (m.group(2) or "/").strip("/")
        handler, args, endpoint = self._route(request.method, rest)
        if handler is None:
            return self._json([{"errorCode": "NOT_FOUND", "message": "The requested resource "
                                "does not exist"}], 404)
        token = bearer(request.headers)
        if not self.sb.valid_sf_session(token):
            return self._json([{"message": "Session expired or invalid",
                                "errorCode": "INVALID_SESSION_ID"}], 401)
        refusal = await self.sb.accounting.admit(SALESFORCE, endpoint, session=token)
        if refusal is not None:
            return self._refusal(refusal)
        response = await self._serve(handler, request, version, args)
        lost = await self.sb.accounting.lose_response(SALESFORCE, endpoint, response.status_code)
        if lost is not None:  # the write stands; its answer never reaches the client
            return self._refusal(lost)
        return response

    async def _serve(self, handler, request: Request, version: str, args) -> Response:
        try:
            return await handler(request, version, *args)
        except SfError as exc:
            return self._json(exc.body, exc.status)
        except W.SfRecordError as exc:
            return self._json(exc.as_body(), 404 if exc.code == "NOT_FOUND" else 400)
        except SoqlError as exc:
            return self._json([{"message": exc.message, "errorCode": exc.code}], 400)
        except Exception as exc:  # noqa: BLE001 - a sandbox bug still answers in Salesforce's format
            log.exception("salesforce handler failed")
            return self._json([{"message": f"An unexpected error occurred: {exc}",
                                "errorCode": "UNKNOWN_EXCEPTION"}], 500)

    def _route(self, method: str, rest: str):
        """(handler, path arguments, endpoint label for the stats)."""
        for verb, pattern, handler, label in [*self.routes, *self.extra_routes]:
            if verb == method:
                m = re.fullmatch(pattern, rest)
                if m:
                    return handler, m.groups(), label.format(*m.groups())
        return None, (), ""

    # -- responses -------------------------------------------------------------------------
    def limit_header(self) -> dict:
        """``Sforce-Limit-Info``, which simple-salesforce parses into ``sf.api_usage``."""
        used = self.sb.accounting.daily_used[SALESFORCE]
        limit = self.sb.accounting.daily_limit(SALESFORCE)
        return {"Sforce-Limit-Info": f"api-usage={used}/{limit}"}

    def _json(self, body, status: int = 200, headers: dict | None = None) -> Response:
        hdrs = {**self.limit_header(), **(headers or {})}
        if status == 204:
            return Response(status_code=204, headers=hdrs)
        return JSONResponse(body, status_code=status, headers=hdrs,
                            media_type="application/json;charset=UTF-8")

    def response(self, body, status: int = 200, headers: dict | None = None) -> Response:
        """A JSON response with the limit header (for handlers registered from outside)."""
        return self._json(body, status, headers)

    def _refusal(self, refusal: Refusal) -> Response:
        if refusal.kind == "expired":
            return self._json([{"message": "Session expired or invalid",
                                "errorCode": "INVALID_SESSION_ID"}], 401)
        if refusal.kind == "daily_limit":
            return self._json([{"message": "TotalRequests Limit exceeded.",
                                "errorCode": "REQUEST_LIMIT_EXCEEDED"}], 403)
        if refusal.kind == "lost_response":  # a gateway's page, as Salesforce's edge sends it
            return Response(f"<html><body>{refusal.status} from the gateway (sandbox fault: "
                            "the write was applied)</body></html>", status_code=refusal.status,
                            media_type="text/html")
        return self._json([{"message": "Server temporarily unavailable (sandbox fault).",
                            "errorCode": "SERVER_UNAVAILABLE"}], 503)

    # -- query -----------------------------------------------------------------------------
    async def query(self, request: Request, version: str, kind: str) -> Response:
        soql = request.query_params.get("q")
        if not soql:
            raise SfError(400, "MALFORMED_QUERY", "A query string has to be specified")
        plan = compile_query(parse(soql), include_deleted=(kind == "queryAll"))
        rowids = [r[0] for r in self.sb.store.conn.execute(plan.id_sql, plan.params)]
        if plan.count_only:
            return self._json({"totalSize": len(rowids), "done": True, "records": []})
        cursor = Cursor(plan, rowids, _batch_size(request), kind)
        return self._page(cursor, None, 0, version)

    async def query_more(self, request: Request, version: str, kind: str, locator: str,
                         offset: str) -> Response:
        cursor = self.sb.cursors.get(locator)
        if cursor is None:
            raise SfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor, locator, int(offset), version)

    def _page(self, cursor: Cursor, locator: str | None, offset: int, version: str) -> Response:
        page_ids = cursor.rowids[offset: offset + cursor.batch]
        records = fetch_rows(self.sb.store.conn, cursor.plan, page_ids, version)
        self.sb.accounting.served(SALESFORCE, len(records))
        body = {"totalSize": len(cursor.rowids), "done": True, "records": records}
        end = offset + len(page_ids)
        if end < len(cursor.rowids):
            locator = locator or self.sb.remember_cursor(cursor)
            body["done"] = False
            body["nextRecordsUrl"] = f"/services/data/v{version}/{cursor.kind}/{locator}-{end}"
        return self._json(body)

    # -- metadata --------------------------------------------------------------------------
    async def limits(self, request: Request, version: str) -> Response:
        acc = self.sb.accounting
        limit = acc.daily_limit(SALESFORCE)
        return self._json({
            "DailyApiRequests": {"Max": limit,
                                 "Remaining": max(0, limit - acc.daily_used[SALESFORCE])},
            "DailyBulkApiRequests": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
        })

    async def describe_global(self, request: Request, version: str) -> Response:
        return self._json({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [
            _object_summary(o, version) for o in S.OBJECTS.values()]})

    async def describe(self, request: Request, version: str, name: str) -> Response:
        obj = _object(name)
        return self._json({**_object_summary(obj, version),
                           "fields": [_describe_field(f, obj) for f in obj.fields.values()]})

    # -- single records --------------------------------------------------------------------
    async def create(self, request: Request, version: str, name: str) -> Response:
        obj = W.writable_object(name)
        body = await _json_body(request)
        with self.sb.store.transaction():
            saved = W.create(self.sb.store, obj, body)
        return self._json({"id": saved.id, "success": True, "errors": []}, 201)

    async def get_record(self, request: Request, version: str, name: str, rid: str
                         ) -> Response:
        obj = _object(name)
        wanted = request.query_params.get("fields")
        record = W.get_json(self.sb.store, obj, rid, version,
                            wanted.split(",") if wanted else None)
        if record is None:
            raise SfError(*NOT_FOUND)
        self.sb.accounting.served(SALESFORCE, 1)
        return self._json(record)

    async def update(self, request: Request, version: str, name: str, rid: str) -> Response:
        obj = W.writable_object(name)
        body = await _json_body(request)
        with self.sb.store.transaction():
            W.update(self.sb.store, obj, rid, body)
        return self._json(None, 204)

    async def delete(self, request: Request, version: str, name: str, rid: str) -> Response:
        obj = W.writable_object(name)
        with self.sb.store.transaction():
            W.delete(self.sb.store, obj, rid)
        return self._json(None, 204)

    async def get_by_external_id(self, request: Request, version: str, name: str, field: str,
                                 value: str) -> Response:
        obj = _object(name)
        f = W.external_id_field(obj, field)
        ids = W.find_by_external_id(self.sb.store, obj, f, unquote_plus(value))
        if not ids:
            raise SfError(*NOT_FOUND)
        if len(ids) > 1:
            return self._json([f"/services/data/v{version}/sobjects/{obj.name}/{i}"
                               for i in ids], 300)
        self.sb.accounting.served(SALESFORCE, 1)
        return self._json(W.get_json(self.sb.store, obj, ids[0], version))

    async def upsert(self, request: Request, version: str, name: str, field: str, value: str
                     ) -> Response:
        obj = W.writable_object(name)
        body = await _json_body(request)
        try:
            with self.sb.store.transaction():
                saved = W.upsert(self.sb.store, obj, field, unquote_plus(value), body)
        except W.MultipleMatches as exc:
            return self._json([f"/services/data/v{version}/sobjects/{obj.name}/{i}"
                               for i in exc.ids], 300)
        result = {"id": saved.id, "success": True, "errors": []}
        if float(version) < 46:
            return self._json(None, 204)
        result["created"] = saved.created
        return self._json(result, 201 if saved.created else 200)

    # -- sObject Collections ---------------------------------------------------------------
    async def collection_create(self, request: Request, version: str) -> Response:
        def one(record: dict) -> W.Saved:
            obj = W.writable_object(_record_type(record))
            if any(k.lower() == "id" for k in record):
                raise W.SfRecordError("INVALID_FIELD_FOR_INSERT_UPDATE",
                                      "cannot specify Id in an insert call", ["Id"])
            return W.create(self.sb.store, obj, record)
        return await self._collection(request, one, with_created=False)

    async def collection_update(self, request: Request, version: str) -> Response:
        def one(record: dict) -> W.Saved:
            obj = W.writable_object(_record_type(record))
            rid = record.get("Id") or record.get("id")
            if not rid:
                raise W.SfRecordError("MISSING_ARGUMENT", "Id not specified in an update call",
                                      ["Id"])
            body = {k: v for k, v in record.items() if k.lower() != "id"}
            return W.update(self.sb.store, obj, rid, body)
        return await self._collection(request, one, with_created=False)

    async def collection_upsert(self, request: Request, version: str, name: str, field: str
                                ) -> Response:
        obj = W.writable_object(name)
        key_field = W.external_id_field(obj, field)
        body = await _json_body(request)
        keys = [
            next((str(v) for k, v in r.items() if k.lower() == key_field.name.lower()), None)
            for r in (body.get("records") or []) if isinstance(r, dict)
        ]
        seen: dict[str, int] = {}
        for k in keys:
            if k is not None:
                seen[k.lower()] = seen.get(k.lower(), 0) + 1

        def one(record: dict) -> W.Saved:
            if _record_type(record).lower() != obj.name.lower():
                raise W.SfRecordError("INVALID_TYPE", f"record type must be {obj.name}")
            key = next((str(v) for k, v in record.items()
                        if k.lower() == key_field.name.lower()), None)
            if key is None or key == "":
                raise W.SfRecordError("REQUIRED_FIELD_MISSING", "Required fields are missing: "
                                      f"[{key_field.name}]", [key_field.name])
            if seen.get(key.lower(), 0) > 1:
                raise W.SfRecordError("DUPLICATE_EXTERNAL_ID", "Duplicate external id "
                                      f"specified: {key}", [key_field.name])
            try:
                return W.upsert(self.sb.store, obj, key_field.name, key, record)
            except W.MultipleMatches as exc:
                raise W.SfRecordError("DUPLICATE_EXTERNAL_ID", f"{key_field.name}: more than "
                                      f"one record found for external id field: {exc.ids}",
                                      [key_field.name]) from exc
        return await self._collection(request, one, with_created=True, body=body)

    async def collection_delete(self, request: Request, version: str) -> Response:
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
        if not ids:
            raise SfError(400, "MISSING_ARGUMENT", "ids parameter is required")
        if len(ids) > COLLECTION_LIMIT:
            raise SfError(400, "EXCEEDED_ID_LIMIT", "Record limit exceeded. 200 max.")

        def one(rid: str) -> W.Saved:
            from empathy_sandbox.salesforce.ids import normalize_id
            norm = normalize_id(rid)
            name = S.PREFIX_TO_OBJECT.get((norm or "")[:3])
            if name is None:
                raise W.SfRecordError("MALFORMED_ID", f"malformed id {rid}")
            W.delete(self.sb.store, W.writable_object(name), rid)
            return W.Saved(norm, False)
        return self._json(self._apply_all(ids, one, all_or_none, with_created=False))

    async def _collection(self, request: Request, one, with_created: bool, body=None
                          ) -> Response:
        body = body if body is not None else await _json_body(request)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise SfError(400, "JSON_PARSER_ERROR", "records: a list of records is required")
        if len(records) > COLLECTION_LIMIT:
            raise SfError(400, "EXCEEDED_ID_LIMIT", "Record limit exceeded. 200 max.")
        all_or_none = bool(body.get("allOrNone", False))
        return self._json(self._apply_all(records, one, all_or_none, with_created))

    def _apply_all(self, items: list, one, all_or_none: bool, with_created: bool) -> list:
        """Apply ``one`` to each item; roll every item back when ``allOrNone`` and any fails."""
        conn = self.sb.store.conn
        results, failed = [], False
        conn.execute("BEGIN")
        try:
            for item in items:
                conn.execute("SAVEPOINT rec")
                try:
                    saved = one(item)
                except W.SfRecordError as exc:
                    conn.execute("ROLLBACK TO rec")
                    failed = True
                    results.append({"success": False, "errors": [exc.as_item()]})
                else:
                    result = {"id": saved.id, "success": True, "errors": []}
                    if with_created:
                        result["created"] = saved.created
                    results.append(result)
                conn.execute("RELEASE rec")
            if all_or_none and failed:
                conn.execute("ROLLBACK")
                return [_rolled_back(r) for r in results]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results


def _rolled_back(result: dict) -> dict:
    if not result["success"]:
        return result
    return {"id": result["id"], "success": False, "errors": [{
        "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "message": "Record rolled back because not all records were valid and the request "
                   "was using AllOrNone header", "fields": []}]}


def _record_type(record) -> str:
    if not isinstance(record, dict):
        raise W.SfRecordError("JSON_PARSER_ERROR", "each record must be a JSON object")
    rtype = (record.get("attributes") or {}).get("type")
    if not rtype:
        raise W.SfRecordError("INVALID_TYPE", "Must send a concrete entity type.")
    return rtype


def _batch_size(request: Request) -> int:
    options = request.headers.get("sforce-query-options", "")
    m = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not m:
        return DEFAULT_BATCH
    return min(MAX_BATCH, max(MIN_BATCH, int(m.group(1))))


async def _json_body(request: Request):
    raw = await request.body()
    try:
        return json.loads(raw or b"{}")
    except ValueError as exc:
        raise SfError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc


def _object(name: str) -> S.SObject:
    obj = S.sobject(name)
    if obj is None:
        raise SfError(404, "NOT_FOUND", "The requested resource does not exist")
    return obj


def _object_summary(obj: S.SObject, version: str) -> dict:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"name": obj.name, "label": obj.name, "keyPrefix": obj.prefix, "custom": False,
            "queryable": True, "createable": not obj.queryable_only,
            "updateable": not obj.queryable_only, "deletable": not obj.queryable_only,
            "urls": {"sobject": base, "describe": f"{base}/describe",
                     "rowTemplate": f"{base}/{{ID}}"}}


def _describe_field(f: S.Field, obj: S.SObject) -> dict:
    rel = next((r for r, fk in obj.relationships.items() if fk == f.name), None)
    return {
        "name": f.name, "label": f.name, "type": f.type, "length": f.length,
        "createable": f.createable, "updateable": f.updateable, "nillable": f.nillable,
        "externalId": f.external_id, "unique": f.unique, "idLookup": f.name == "Id" or
        f.external_id, "custom": f.name.endswith("__c"), "filterable": f.type != S.TEXTAREA,
        "sortable": f.type != S.TEXTAREA, "defaultedOnCreate": f.default is not None,
        "caseSensitive": False,
        "picklistValues": [{"value": v, "label": v, "active": True,
                            "defaultValue": v == f.default, "validFor": None}
                           for v in f.picklist],
        "referenceTo": [f.reference_to] if f.reference_to else [],
        "relationshipName": rel,
    }
