"""Bulk API 2.0 (``/services/data/vNN.N/jobs/...``): query jobs with CSV results paged by
``Sforce-Locator``, and ingest jobs (insert / update / upsert / delete) from uploaded CSV.

Jobs run when they are submitted (query on create, ingest on ``UploadComplete``) against the
same store and validation as the REST API; the job's state still moves through the real
sequence, so a client's polling loop is exercised.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import secrets
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from empathy_sandbox.salesforce import writes as W
from empathy_sandbox.server.accounting import SALESFORCE
from empathy_sandbox.salesforce.api import SalesforceApi, SfError
from empathy_sandbox.salesforce.ids import normalize_id
from empathy_sandbox.salesforce.query import compile_query, fetch_rows, format_datetime
from empathy_sandbox.salesforce.soql import parse

DEFAULT_MAX_RECORDS = 50_000
NULL_MARK = "#N/A"


@dataclass
class Job:
    """One Bulk API 2.0 job (query or ingest)."""

    id: str
    kind: str  # query | ingest
    operation: str
    obj: str
    created: str
    state: str
    version: str
    plan: object = None
    rowids: list = field(default_factory=list)
    external_id: str | None = None
    uploads: list[str] = field(default_factory=list)
    successes: list[tuple[str, bool, dict]] = field(default_factory=list)
    failures: list[tuple[str, str, dict]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    polls: int = 0

    def info(self) -> dict:
        out = {"id": self.id, "operation": self.operation, "object": self.obj,
               "createdById": "0058d0000000001AAA",
               "createdDate": self.created, "systemModstamp": self.created,
               "state": self.state, "concurrencyMode": "Parallel", "contentType": "CSV",
               "apiVersion": float(self.version), "lineEnding": "LF",
               "columnDelimiter": "COMMA"}
        if self.kind == "query":
            out.update(jobType="V2Query", numberRecordsProcessed=len(self.rowids), retries=0,
                       totalProcessingTime=10)
        else:
            out.update(jobType="V2Ingest", numberRecordsProcessed=len(self.successes) +
                       len(self.failures), numberRecordsFailed=len(self.failures), retries=0,
                       totalProcessingTime=10, apiActiveProcessingTime=5,
                       apexProcessingTime=0)
            if self.external_id:
                out["externalIdFieldName"] = self.external_id
        return out


class BulkApi:
    """Registers the Bulk API 2.0 routes on a :class:`SalesforceApi`."""

    def __init__(self, api: SalesforceApi):
        self.api, self.sb, self.jobs = api, api.sb, {}
        api.extra_routes += [
            ("POST", r"jobs/query", self.create_query, "bulk2 create query job"),
            ("GET", r"jobs/query/(750\w+)", self.get_job, "bulk2 get query job"),
            ("PATCH", r"jobs/query/(750\w+)", self.abort, "bulk2 abort query job"),
            ("DELETE", r"jobs/query/(750\w+)", self.delete, "bulk2 delete query job"),
            ("GET", r"jobs/query/(750\w+)/results", self.results, "bulk2 query results"),
            ("POST", r"jobs/ingest", self.create_ingest, "bulk2 create ingest job"),
            ("GET", r"jobs/ingest/(750\w+)", self.get_job, "bulk2 get ingest job"),
            ("PUT", r"jobs/ingest/(750\w+)/batches", self.upload, "bulk2 upload"),
            ("PATCH", r"jobs/ingest/(750\w+)", self.close, "bulk2 close ingest job"),
            ("DELETE", r"jobs/ingest/(750\w+)", self.delete, "bulk2 delete ingest job"),
            ("GET", r"jobs/ingest/(750\w+)/(successfulResults|failedResults|"
                    r"unprocessedrecords)", self.ingest_results, "bulk2 ingest results"),
        ]

    def _new_id(self) -> str:
        return "750" + "8d" + secrets.token_hex(5).upper()[:10] + "AAA"

    def _job(self, job_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise SfError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    # -- query ---------------------------------------------------------------------------
    async def create_query(self, request: Request, version: str) -> Response:
        body = await _json(request)
        operation = body.get("operation", "query")
        if operation not in ("query", "queryAll"):
            raise SfError(400, "INVALIDJOB", f"operation must be query or queryAll: {operation}")
        query = parse(body.get("query") or "")
        if query.count_only:
            raise SfError(400, "INVALIDJOB", "COUNT() is not supported by Bulk API 2.0 queries")
        plan = compile_query(query, include_deleted=operation == "queryAll")
        rowids = [r[0] for r in self.sb.store.conn.execute(plan.id_sql, plan.params)]
        job = Job(self._new_id(), "query", operation, plan.sobject.name, _now(),
                  "UploadComplete", version, plan=plan, rowids=rowids)
        self.jobs[job.id] = job
        return self.api.response(job.info())

    async def get_job(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        job.polls += 1
        if job.state in ("UploadComplete", "InProgress"):
            job.state = "InProgress" if job.polls == 1 and job.kind == "ingest" else "JobComplete"
        return self.api.response(job.info())

    async def abort(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        if (await _json(request)).get("state") != "Aborted":
            raise SfError(400, "INVALIDJOBSTATE", "only Aborted can be set on a query job")
        job.state = "Aborted"
        return self.api.response(job.info())

    async def delete(self, request: Request, version: str, job_id: str) -> Response:
        self.jobs.pop(self._job(job_id).id)
        return self.api.response(None, 204)

    async def results(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        if job.state != "JobComplete":
            raise SfError(400, "INVALIDJOBSTATE", f"job {job.id} is {job.state}, not "
                          "JobComplete")
        max_records = int(request.query_params.get("maxRecords") or DEFAULT_MAX_RECORDS)
        locator = request.query_params.get("locator")
        start = int(base64.b64decode(locator).decode()) if locator and locator != "null" else 0
        page = job.rowids[start:start + max_records]
        records = fetch_rows(self.sb.store.conn, job.plan, page, version)
        self.sb.accounting.served(SALESFORCE, len(records))
        end = start + len(page)
        next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.rowids) \
            else "null"
        csv_text = _query_csv(job.plan, records)
        return Response(csv_text, media_type="text/csv", headers={
            "Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(len(records)),
            **self.api.limit_header()})

    # -- ingest --------------------------------------------------------------------------
    async def create_ingest(self, request: Request, version: str) -> Response:
        body = await _json(request)
        operation = body.get("operation")
        if operation not in ("insert", "update", "upsert", "delete", "hardDelete"):
            raise SfError(400, "INVALIDJOB", f"unsupported operation {operation!r}")
        obj = W.writable_object(str(body.get("object", "")))
        external = body.get("externalIdFieldName")
        if operation == "upsert":
            if not external:
                raise SfError(400, "INVALIDJOB", "externalIdFieldName is required for upsert")
            external = W.external_id_field(obj, external).name
        job = Job(self._new_id(), "ingest", operation, obj.name, _now(), "Open", version,
                  external_id=external)
        self.jobs[job.id] = job
        return self.api.response(job.info())

    async def upload(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        if job.state != "Open":
            raise SfError(400, "INVALIDJOBSTATE", f"job {job.id} is {job.state}, not Open")
        job.uploads.append((await request.body()).decode("utf-8"))
        return Response(status_code=201)

    async def close(self, request: Request, version: str, job_id: str) -> Response:
        job = self._job(job_id)
        state = (await _json(request)).get("state")
        if state == "Aborted":
            job.state = "Aborted"
        elif state == "UploadComplete":
            if job.state != "Open":
                raise SfError(400, "INVALIDJOBSTATE", f"job {job.id} is {job.state}")
            self._run_ingest(job)
            job.state = "UploadComplete"
        else:
            raise SfError(400, "INVALIDJOBSTATE", f"cannot set state {state!r}")
        return self.api.response(job.info())

    def _run_ingest(self, job: Job) -> None:
        obj = W.writable_object(job.obj)
        store = self.sb.store
        for upload in job.uploads:
            reader = csv.DictReader(io.StringIO(upload))
            job.columns = job.columns or list(reader.fieldnames or [])
            for row in reader:
                values = {k: (None if v == NULL_MARK else v) for k, v in row.items()
                          if v != "" and k}
                store.conn.execute("SAVEPOINT bulk")
                try:
                    saved = self._ingest_one(obj, job, values)
                except W.SfRecordError as exc:
                    store.conn.execute("ROLLBACK TO bulk")
                    job.failures.append((values.get("Id", ""), f"{exc.code}:{exc.message}", row))
                else:
                    job.successes.append((saved.id, saved.created, row))
                store.conn.execute("RELEASE bulk")

    def _ingest_one(self, obj, job: Job, values: dict) -> W.Saved:
        store = self.sb.store
        typed = {k: _typed(obj, k, v) for k, v in values.items()}
        if job.operation == "insert":
            return W.create(store, obj, typed)
        if job.operation == "upsert":
            key = next((str(v) for k, v in typed.items()
                        if k.lower() == job.external_id.lower()), None)
            if not key:
                raise W.SfRecordError("REQUIRED_FIELD_MISSING",
                                      f"Required fields are missing: [{job.external_id}]")
            return W.upsert(store, obj, job.external_id, key, typed)
        rid = typed.pop("Id", None) or ""
        if job.operation == "update":
            return W.update(store, obj, rid, typed)
        W.delete(store, obj, rid)
        return W.Saved(normalize_id(rid) or rid, False)

    async def ingest_results(self, request: Request, version: str, job_id: str, which: str
                             ) -> Response:
        job = self._job(job_id)
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        if which == "successfulResults":
            writer.writerow(["sf__Id", "sf__Created", *job.columns])
            for rid, created, row in job.successes:
                writer.writerow([rid, str(created).lower(), *[row.get(c, "") for c in
                                                              job.columns]])
        elif which == "failedResults":
            writer.writerow(["sf__Id", "sf__Error", *job.columns])
            for rid, error, row in job.failures:
                writer.writerow([rid, error, *[row.get(c, "") for c in job.columns]])
        else:
            writer.writerow(job.columns)
        return Response(out.getvalue(), media_type="text/csv")


def _typed(obj, name: str, value):
    """CSV cells are text; booleans and numbers become JSON-like values for validation."""
    f = obj.field_named(name)
    if f is None or value is None:
        return value
    if f.type == "boolean":
        return value.lower() == "true" if value.lower() in ("true", "false") else value
    if f.type in ("double", "currency", "int"):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _query_csv(plan, records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    headers = [".".join(c.path) for c in plan.columns]
    writer.writerow(headers)
    for rec in records:
        row = []
        for col in plan.columns:
            value = rec
            for part in col.path:
                value = value.get(part) if isinstance(value, dict) else None
            row.append(_cell(value))
        writer.writerow(row)
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and len(value) == 28 and value.endswith("+0000"):
        return value[:-5] + "Z"  # Bulk CSV prints datetimes with Z
    return str(value)


def _now() -> str:
    return format_datetime(dt.datetime.now(dt.UTC))


async def _json(request: Request) -> dict:
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise SfError(400, "JSON_PARSER_ERROR", str(exc)) from exc
    if not isinstance(body, dict):
        raise SfError(400, "JSON_PARSER_ERROR", "expected a JSON object")
    return body
