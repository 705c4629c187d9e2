"""HubSpot: declarative CRM v3 streams into the canonical tables, and the task write-back.

Reads list each object type with ``associations=contacts`` (one paged call per 100 records,
no per-record association lookups). Writes upsert tasks by a unique-value task property
(``empathy_key``), then associate them with their contact through the v4 batch endpoint;
both steps are idempotent, so a crash between them is repaired by the next run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
from hubspot import HubSpot

from empathy import schema
from empathy.errors import ConfigError, CrmAuthError, CrmRejected

from .canonical import activity, contact_key, frame, join_text
from .retry import ApiBudget, call
from .settings import HubSpotSettings
from .writeback import WriteResult

log = logging.getLogger(__name__)
SOURCE = "hubspot"
PAGE = 100
PAGE_WITH_HISTORY = 50  # HubSpot caps list pages at 50 when propertiesWithHistory is asked
BATCH_LIMIT = 100
TASK_TO_CONTACT = 204
PRIORITY = {"High": "HIGH", "Normal": "MEDIUM", "Low": "LOW"}


def make_client(settings: HubSpotSettings) -> HubSpot:
    """An unmodified ``hubspot.HubSpot`` client pointed at ``settings.host``."""
    return HubSpot(access_token=settings.token, host=settings.host)


@dataclass(frozen=True)
class ObjectStream:
    """One HubSpot object type whose records become canonical activity rows."""

    object_type: str
    properties: tuple[str, ...]
    to_rows: Callable[[str, str, dict, dict], list[dict]]  # (key, id, props, history) -> rows
    history: tuple[str, ...] = ()


def _email(key, oid, p, _h):
    inbound = p.get("hs_email_direction") == "INCOMING_EMAIL"
    text = join_text(p.get("hs_email_subject"), p.get("hs_email_text")) if inbound else None
    return [activity(key, SOURCE, f"emails:{oid}", p.get("hs_timestamp"), schema.EMAIL,
                     schema.INBOUND if inbound else schema.OUTBOUND, text=text)]


def _call(key, oid, p, _h):
    inbound = p.get("hs_call_direction") == "INBOUND"
    return [activity(key, SOURCE, f"calls:{oid}", p.get("hs_timestamp"), schema.CALL,
                     schema.INBOUND if inbound else schema.OUTBOUND)]


def _meeting(key, oid, p, _h):
    return [activity(key, SOURCE, f"meetings:{oid}", p.get("hs_timestamp"), schema.MEETING,
                     schema.OUTBOUND)]


def _note(key, oid, p, _h):
    return [activity(key, SOURCE, f"notes:{oid}", p.get("hs_timestamp"), schema.NOTE,
                     schema.OUTBOUND, text=join_text(p.get("hs_note_body")))]


def _deal(key, oid, p, _h):
    if p.get("dealstage") != "closedwon" or not p.get("closedate"):
        return []
    return [activity(key, SOURCE, f"deals:{oid}", p.get("closedate"), schema.PURCHASE,
                     schema.INBOUND, amount=p.get("amount"))]


def _ticket(key, oid, p, history):
    rows = [activity(key, SOURCE, f"tickets:{oid}:opened", p.get("createdate"),
                     schema.CASE_OPENED, schema.INBOUND, case_id=oid,
                     text=join_text(p.get("subject"), p.get("content")))]
    urgent = [h for h in history.get("hs_ticket_priority", []) if h["value"] == "URGENT"]
    if urgent:
        first = min(urgent, key=lambda h: h["timestamp"])
        rows.append(activity(key, SOURCE, f"tickets:{oid}:escalated", first["timestamp"],
                             schema.CASE_ESCALATED, schema.INBOUND, case_id=oid))
    if p.get("hs_pipeline_stage") == "4" and p.get("closed_date"):
        rows.append(activity(key, SOURCE, f"tickets:{oid}:closed", p.get("closed_date"),
                             schema.CASE_CLOSED, schema.OUTBOUND, case_id=oid))
    return rows


STREAMS = (
    ObjectStream("emails", ("hs_timestamp", "hs_email_direction", "hs_email_subject",
                            "hs_email_text"), _email),
    ObjectStream("calls", ("hs_timestamp", "hs_call_direction"), _call),
    ObjectStream("meetings", ("hs_timestamp",), _meeting),
    ObjectStream("notes", ("hs_timestamp", "hs_note_body"), _note),
    ObjectStream("deals", ("amount", "closedate", "dealstage"), _deal),
    ObjectStream("tickets", ("subject", "content", "createdate", "closed_date",
                             "hs_pipeline_stage", "hs_ticket_priority"), _ticket,
                 history=("hs_ticket_priority",)),
)
CONTACT_PROPERTIES = ("email", "jobtitle", "hubspot_owner_id", "hs_email_optout",
                      "associatedcompanyid", "createdate", "lastmodifieddate")


def _history(obj) -> dict[str, list[dict]]:
    raw = getattr(obj, "properties_with_history", None) or {}
    return {name: [{"value": v.value, "timestamp": v.timestamp} for v in values or []]
            for name, values in raw.items()}


def _associated_ids(obj, to_type: str) -> list[str]:
    assoc = (getattr(obj, "associations", None) or {}).get(to_type)
    return [a.id for a in (assoc.results if assoc else [])]


class HubSpotSource:
    """Reads contacts and activity from one HubSpot account."""

    def __init__(self, client: HubSpot, settings: HubSpotSettings, budget: ApiBudget):
        self.client, self.settings, self.budget = client, settings, budget

    def objects(self, object_type: str, properties, *, associations=None, history=()) -> Iterator:
        """Every record of an object type, following ``paging.next.after``."""
        after = None
        while True:
            page = call(SOURCE, self.client.crm.objects.basic_api.get_page, object_type,
                        limit=PAGE_WITH_HISTORY if history else PAGE, after=after, properties=list(properties),
                        associations=associations, archived=False,
                        properties_with_history=list(history) or None,
                        _request_timeout=self.settings.timeout_s, budget=self.budget)
            yield from page.results
            if page.paging is None or page.paging.next is None:
                return
            after = page.paging.next.after

    def contacts(self) -> pd.DataFrame:
        industries = {c.id: c.properties.get("industry")
                      for c in self.objects("companies", ("industry",))}
        rows = []
        for c in self.objects("contacts", CONTACT_PROPERTIES):
            p = c.properties
            key = contact_key(p.get("email"))
            if key is None:
                continue
            company = p.get("associatedcompanyid")
            rows.append({"contact_key": key, "source": SOURCE, "source_id": c.id,
                         "owner_id": p.get("hubspot_owner_id"), "account_id": company,
                         "industry": industries.get(company), "title": p.get("jobtitle"),
                         "opted_out": str(p.get("hs_email_optout")).lower() == "true",
                         "created_at": p.get("createdate"),
                         "updated_at": p.get("lastmodifieddate")})
        return frame(rows, schema.CONTACTS)

    def activities(self, contacts: pd.DataFrame) -> pd.DataFrame:
        ids = dict(zip(contacts["source_id"], contacts["contact_key"], strict=True))
        rows: list[dict] = []
        for stream in STREAMS:
            before = len(rows)
            for obj in self.objects(stream.object_type, stream.properties,
                                    associations=["contacts"], history=stream.history):
                history = _history(obj)
                for cid in _associated_ids(obj, "contacts")[:1]:
                    if cid in ids:
                        rows.extend(stream.to_rows(ids[cid], obj.id, obj.properties, history))
            log.info("hubspot %s: %d activity rows", stream.object_type, len(rows) - before)
        return frame(rows, schema.ACTIVITIES)

    def open_actions(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Empathy tasks not yet completed: the guard against piling up actions."""
        ids = dict(zip(contacts["source_id"], contacts["contact_key"], strict=True))
        key = self.settings.key_property
        rows = []
        for task in self.objects("tasks", (key, "hs_task_status"), associations=["contacts"]):
            p = task.properties
            if not p.get(key) or p.get("hs_task_status") == "COMPLETED":
                continue
            for cid in _associated_ids(task, "contacts")[:1]:
                rows.append({"contact_key": ids.get(cid), "source": SOURCE,
                             "action_key": p[key], "task_id": task.id})
        return pd.DataFrame(rows, columns=["contact_key", "source", "action_key", "task_id"])


class HubSpotTaskSink:
    """Upserts tasks by the unique ``empathy_key`` property and links them to contacts."""

    def __init__(self, client: HubSpot, settings: HubSpotSettings, budget: ApiBudget):
        self.client, self.settings, self.budget = client, settings, budget

    def ensure_key_property(self) -> None:
        """Create the unique-value task property on first use; explain when that is refused."""
        core = self.client.crm.properties.core_api
        name = self.settings.key_property
        try:
            prop = call(SOURCE, core.get_by_name, "tasks", name, budget=self.budget,
                        _request_timeout=self.settings.timeout_s)
        except CrmRejected as exc:
            if exc.status != 404:
                raise
            prop = None
        if prop is None:
            spec = {"name": name, "label": "Empathy Engine action key", "type": "string",
                    "fieldType": "text", "groupName": "taskinformation", "hasUniqueValue": True,
                    "description": "Idempotency key written by Empathy Engine; do not edit."}
            try:
                call(SOURCE, core.create, "tasks", spec, budget=self.budget,
                     _request_timeout=self.settings.timeout_s)
            except CrmAuthError as exc:
                raise ConfigError(
                    f"HubSpot refused to create the task property {name!r} ({exc}); give the "
                    "private app the crm.schemas.custom.write scope, or create a single-line "
                    f"text task property {name!r} with 'unique values' switched on.") from exc
        elif not getattr(prop, "has_unique_value", False):
            raise ConfigError(f"The HubSpot task property {name!r} exists but does not require "
                              "unique values, so it cannot make write-back idempotent; "
                              "name another property in task_key_property.")

    def _input(self, task: dict) -> dict:
        props = {self.settings.key_property: task["action_key"],
                 "hs_timestamp": f"{task['due_date']}T09:00:00.000Z",
                 "hs_task_subject": task["subject"][:255], "hs_task_body": task["body"],
                 "hs_task_priority": PRIORITY.get(task["priority"], "MEDIUM"),
                 "hs_task_type": "TODO"}
        if task.get("owner_id"):
            props["hubspot_owner_id"] = str(task["owner_id"])
        return {"id": task["action_key"], "idProperty": self.settings.key_property,
                "objectWriteTraceId": task["action_key"], "properties": props}

    def write(self, tasks: pd.DataFrame) -> WriteResult:
        self.ensure_key_property()
        result = WriteResult(SOURCE)
        records = tasks.to_dict("records")
        for start in range(0, len(records), BATCH_LIMIT):
            chunk = records[start:start + BATCH_LIMIT]
            self._write_chunk(chunk, result)
        return result

    def _write_chunk(self, chunk: list[dict], result: WriteResult) -> None:
        batch = self.client.crm.objects.tasks.batch_api
        response = call(SOURCE, batch.upsert, budget=self.budget,
                        batch_input_simple_public_object_batch_input_upsert={
                            "inputs": [self._input(t) for t in chunk]},
                        _request_timeout=self.settings.timeout_s)
        by_key = {t["action_key"]: t for t in chunk}
        links = []
        for obj in response.results:
            key = obj.properties.get(self.settings.key_property)
            result.ok(key, obj.id, created=bool(getattr(obj, "new", False)))
            links.append({"from": {"id": obj.id}, "to": {"id": str(by_key[key]["source_id"])},
                          "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                     "associationTypeId": TASK_TO_CONTACT}]})
        for error in getattr(response, "errors", None) or []:
            for key in (error.context or {}).get("objectWriteTraceId", []):
                result.failed(key, f"{error.category}: {error.message}")
        missing = set(by_key) - set(result.created) - set(result.updated) - set(result.errors)
        for key in missing:
            result.failed(key, "HubSpot returned no result for this input")
        if links:
            call(SOURCE, self.client.crm.associations.v4.batch_api.create, "tasks", "contacts",
                 batch_input_public_association_multi_post={"inputs": links},
                 budget=self.budget, _request_timeout=self.settings.timeout_s)


def error_body(exc) -> dict:
    """Parse a hubspot ApiException body (a JSON string) for logging."""
    try:
        return json.loads(getattr(exc, "body", "") or "{}")
    except ValueError:
        return {}
