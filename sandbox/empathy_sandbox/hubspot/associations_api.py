"""CRM v4 associations: reads (one object, or a batch of up to 1,000) and creates (one pair,
the default type, or a batch). Only HUBSPOT_DEFINED types exist in the sandbox.

Ids in v4 answers (``toObjectId``, ``fromObjectId``) are JSON numbers, as HubSpot's live API
and documented examples write them, although its OpenAPI file says strings.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from empathy_sandbox.hubspot import records as R
from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.hubspot import writes as W
from empathy_sandbox.hubspot.errors import HsError, batch_error, not_found
from empathy_sandbox.hubspot.http import Handler, batch_inputs, int_param, json_response, read_body
from empathy_sandbox.server.runtime import Sandbox

BATCH_READ_MAX, BATCH_CREATE_MAX, PAGE_MAX = 1000, 100, 500
PRIMARY_TYPE_IDS = (1, 2)  # contact <-> company, labelled "Primary"


class AssociationsApi:
    """Serves ``/crm/v4/objects/.../associations/...`` and ``/crm/v4/associations/...``."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        t = r"([\w-]+)"
        self.routes: list[Handler] = [
            ("GET", rf"v4/objects/{t}/(\d+)/associations/{t}", self.list,
             "v4 associations {0}->{2}"),
            ("PUT", rf"v4/objects/{t}/(\d+)/associations/default/{t}/(\d+)",
             self.create_default, "v4 associate default {0}->{2}"),
            ("PUT", rf"v4/objects/{t}/(\d+)/associations/{t}/(\d+)", self.create,
             "v4 associate {0}->{2}"),
            ("DELETE", rf"v4/objects/{t}/(\d+)/associations/{t}/(\d+)", self.archive,
             "v4 unassociate {0}->{2}"),
            ("POST", rf"v4/associations/{t}/{t}/batch/read", self.batch_read,
             "v4 batch read {0}->{1}"),
            ("POST", rf"v4/associations/{t}/{t}/batch/create", self.batch_create,
             "v4 batch create {0}->{1}"),
        ]

    async def list(self, request: Request, type_name: str, object_id: str, to_name: str
                   ) -> Response:
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        q = request.query_params
        limit = min(int_param(q.get("limit"), PAGE_MAX, "limit"), PAGE_MAX)
        after = int_param(q.get("after"), 0, "after")
        if not R.exists(self.sb.store, t, int(object_id)):
            raise not_found()
        links = _group(R.associated(self.sb.store, t, [int(object_id)], to_t)
                       .get(int(object_id), []))
        body = {"results": links[after: after + limit]}
        if after + limit < len(links):
            body["paging"] = {"next": {"after": str(after + limit), "link": ""}}
        return json_response(body)

    async def batch_read(self, request: Request, from_name: str, to_name: str) -> Response:
        """200, or 207 with an OBJECT_NOT_FOUND per input that has no associations."""
        t, to_t = R.resolve_type(from_name), R.resolve_type(to_name)
        inputs = batch_inputs(await read_body(request), BATCH_READ_MAX)
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
            return json_response(body, 207)
        return json_response(body)

    async def create(self, request: Request, type_name: str, object_id: str, to_name: str,
                     to_id: str) -> Response:
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        specs = await read_body(request)
        if not isinstance(specs, list) or not specs:
            raise HsError(400, "body must be a list of association specs", "VALIDATION_ERROR")
        with self.sb.store.transaction():
            self._link(t, int(object_id), to_t, int(to_id), specs)
        return json_response(_pair(t, int(object_id), to_t, int(to_id)), 201)

    async def create_default(self, request: Request, type_name: str, object_id: str,
                             to_name: str, to_id: str) -> Response:
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        with self.sb.store.transaction():
            self._link(t, int(object_id), to_t, int(to_id), [{}])
        type_id = H.ASSOCIATION_TYPES[(t.singular, to_t.singular)]
        return json_response({"status": "COMPLETE", "results": [{
            "from": {"id": object_id}, "to": {"id": to_id},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": type_id}}],
            "startedAt": R.now_iso(), "completedAt": R.now_iso()})

    async def archive(self, request: Request, type_name: str, object_id: str, to_name: str,
                      to_id: str) -> Response:
        """Remove all associations between the two objects: 204."""
        t, to_t = R.resolve_type(type_name), R.resolve_type(to_name)
        with self.sb.store.transaction():
            W.unassociate(self.sb.store, t, int(object_id), to_t, int(to_id))
        return json_response(None, 204)

    async def batch_create(self, request: Request, from_name: str, to_name: str) -> Response:
        """201; 207 when some pairs fail; 400 when all do."""
        t, to_t = R.resolve_type(from_name), R.resolve_type(to_name)
        inputs = batch_inputs(await read_body(request), BATCH_CREATE_MAX)
        started = R.now_iso()
        results, errors = [], []
        with self.sb.store.transaction():
            for item in inputs:
                raw_from = str((item.get("from") or {}).get("id", ""))
                raw_to = str((item.get("to") or {}).get("id", ""))
                fid, tid = R.parse_id(raw_from), R.parse_id(raw_to)
                try:
                    if fid is None or tid is None:
                        raise HsError(400, "from.id and to.id must be numeric ids",
                                      "VALIDATION_ERROR")
                    self._link(t, fid, to_t, tid, item.get("types") or [{}])
                    results.append(_pair(t, fid, to_t, tid))
                except HsError as exc:
                    errors.append(exc.batch_item({"fromObjectId": [raw_from],
                                                  "toObjectId": [raw_to]}))
        body = {"status": "COMPLETE", "results": results, "startedAt": started,
                "completedAt": R.now_iso()}
        if errors:
            if not results:
                raise HsError(400, errors[0]["message"], "VALIDATION_ERROR")
            body.update(numErrors=len(errors), errors=errors)
            return json_response(body, 207)
        return json_response(body, 201)

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
        {"category": "HUBSPOT_DEFINED", "typeId": ty,
         "label": "Primary" if ty in PRIMARY_TYPE_IDS else None} for ty in types]}
        for tid, types in grouped.items()]
