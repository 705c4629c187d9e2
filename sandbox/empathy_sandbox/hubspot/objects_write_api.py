"""Writing CRM v3 objects: create, update, and batch create / update / upsert.

Status codes are load-bearing: the client returns None for a 2xx it does not expect, so
create and batch create answer 201, update, batch update and upsert 200, and 207 only for
partial success -- which HubSpot gives only when every input carries ``objectWriteTraceId``;
otherwise one bad input fails the whole request with 400.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from empathy_sandbox.hubspot import records as R
from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.hubspot import writes as W
from empathy_sandbox.hubspot.errors import HsError
from empathy_sandbox.hubspot.http import Handler, batch_inputs, json_response, read_body
from empathy_sandbox.server.runtime import Sandbox

BATCH_MAX = 100
# One batch input -> (object id, whether it was created: None when that is not asked)
ApplyOne = Callable[[dict], tuple[int, bool | None]]


class ObjectsWriteApi:
    """Serves the writes of ``/crm/v3/objects/{objectType}``."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        t = r"([\w-]+)"
        self.routes: list[Handler] = [
            ("POST", rf"v3/objects/{t}", self.create, "create {0}"),
            ("POST", rf"v3/objects/{t}/batch/create", self.batch_create, "batch create {0}"),
            ("POST", rf"v3/objects/{t}/batch/update", self.batch_update, "batch update {0}"),
            ("POST", rf"v3/objects/{t}/batch/upsert", self.batch_upsert, "batch upsert {0}"),
            ("POST", rf"v3/objects/{t}/batch/archive", self.batch_archive,
             "batch archive {0}"),
            ("PATCH", rf"v3/objects/{t}/([^/]+)", self.update, "update {0}"),
            ("DELETE", rf"v3/objects/{t}/([^/]+)", self.archive, "archive {0}"),
        ]

    async def create(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        body = await read_body(request)
        with self.sb.store.transaction():
            oid = self._create_one(t, body)
        return json_response(self._read_back(t, [oid])[0], 201)

    async def update(self, request: Request, type_name: str, object_id: str) -> Response:
        t = R.resolve_type(type_name)
        body = await read_body(request)
        oid = R.lookup_id(self.sb.store, t, object_id, request.query_params.get("idProperty"))
        values = W.clean_properties(self.sb.store, t, body.get("properties") or {}, False)
        with self.sb.store.transaction():
            W.update(self.sb.store, t, oid, values)
        return json_response(self._read_back(t, [oid])[0])

    async def archive(self, request: Request, type_name: str, object_id: str) -> Response:
        """204, also for an id that is already archived or unknown (archiving is idempotent)."""
        t = R.resolve_type(type_name)
        oid = R.lookup_id(self.sb.store, t, object_id, None)
        with self.sb.store.transaction():
            W.archive(self.sb.store, t, [oid])
        return json_response(None, 204)

    async def batch_archive(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        inputs = batch_inputs(await read_body(request), BATCH_MAX)
        ids = [R.parse_id(i.get("id", "")) for i in inputs]
        if None in ids:
            raise HsError(400, "ids must be numeric object ids", "VALIDATION_ERROR")
        with self.sb.store.transaction():
            W.archive(self.sb.store, t, ids)
        return json_response(None, 204)

    async def batch_create(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        inputs = batch_inputs(await read_body(request), BATCH_MAX)
        return self._batch(t, inputs, lambda item: (self._create_one(t, item), None), 201)

    async def batch_update(self, request: Request, type_name: str) -> Response:
        t = R.resolve_type(type_name)
        inputs = batch_inputs(await read_body(request), BATCH_MAX)

        def one(item):
            oid = R.lookup_id(self.sb.store, t, str(item.get("id", "")), item.get("idProperty"))
            values = W.clean_properties(self.sb.store, t, item.get("properties") or {}, False)
            W.update(self.sb.store, t, oid, values)
            return oid, None
        return self._batch(t, inputs, one, 200)

    async def batch_upsert(self, request: Request, type_name: str) -> Response:
        """Create or update by a unique property (``idProperty``); results carry ``new``."""
        t = R.resolve_type(type_name)
        inputs = batch_inputs(await read_body(request), BATCH_MAX)
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

    def _create_one(self, t: H.ObjectType, item: dict) -> int:
        values = W.clean_properties(self.sb.store, t, item.get("properties") or {}, True)
        oid = W.insert(self.sb.store, t, values)
        W.associate_inputs(self.sb.store, t, oid, item.get("associations"))
        return oid

    def _read_back(self, t: H.ObjectType, ids: list[int]) -> list[dict]:
        """The written objects with every property that has a value, as HubSpot answers."""
        props = [*self.sb.store.hs_columns(t), *H.COMPUTED]
        rows = {r["id"]: r for r in R.fetch(
            self.sb.store, t, f"id IN ({','.join('?' * len(ids))})", ids, props)}
        out = []
        for oid in ids:
            row = rows[oid]
            row["properties"] = {k: v for k, v in row["properties"].items() if v is not None}
            out.append(R.to_json(t, row))
        return out

    def _check_id_property(self, t: H.ObjectType, name: str | None) -> None:
        if not name:
            raise HsError(400, "idProperty is required for batch upsert", "VALIDATION_ERROR")
        if name not in self.sb.store.hs_properties(t):
            raise HsError(400, f'Property "{name}" does not exist', "VALIDATION_ERROR",
                          [{"message": f'Property "{name}" does not exist',
                            "code": "PROPERTY_DOESNT_EXIST",
                            "context": {"propertyName": [name]}}])
        if not R.is_unique_key(self.sb.store, t, name):
            raise HsError(400, f"Cannot upsert by {name}: the property does not have unique "
                          "values (hasUniqueValue is false)", "VALIDATION_ERROR",
                          [{"message": f"{name} is not a unique value property",
                            "code": "INVALID_ID_PROPERTY",
                            "context": {"propertyName": [name]}}])

    def _batch(self, t: H.ObjectType, inputs: list[dict], one: ApplyOne, status: int,
               upsert: bool = False) -> Response:
        """Apply ``one`` to each input in one transaction. Inputs with ``objectWriteTraceId``
        fail alone (207); without it, one failure fails the whole request, as HubSpot does."""
        started = R.now_iso()
        done, errors = self._apply_each(inputs, one)
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
            return json_response(body, 207)
        return json_response(body, status)

    def _apply_each(self, inputs: list[dict], one: ApplyOne) -> tuple[list[tuple], list[dict]]:
        """[(object id, new, trace id)] done and the batch errors; each input in a savepoint."""
        conn = self.sb.store.conn
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
        return done, errors
