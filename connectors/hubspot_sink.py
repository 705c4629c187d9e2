"""HubSpot task write-back: idempotent by a unique-value property, or by a ledger.

Upsert mode (preferred): tasks are upserted by the unique task property ``empathy_key``
(created on first use), then associated with their contact through the v4 batch endpoint;
both steps are idempotent, so a crash between them is repaired by the next run.

Ledger mode (fallback, when the account cannot have that property): tasks are created with
their association inline and their ids kept in a :class:`~connectors.ledger.TaskLedger`;
later runs update them by id. Keys are marked pending before the create, and a pending key
is looked up among its contact's tasks (by the key written at the end of the body) before
anything is created again.
"""

from __future__ import annotations

import logging

import pandas as pd
from hubspot import HubSpot

from empathy_engine.core.errors import ConfigError, CrmAuthError, CrmRejected

from .ledger import TaskLedger
from .retry import ApiBudget, call
from .settings import HubSpotSettings
from .writeback import WriteResult

log = logging.getLogger(__name__)
SOURCE = "hubspot"
BATCH_LIMIT = 100
TASK_TO_CONTACT = 204
PRIORITY = {"High": "HIGH", "Normal": "MEDIUM", "Low": "LOW"}


def key_marker(action_key: str) -> str:
    return f"[empathy:{action_key}]"


class HubSpotTaskSink:
    """Writes tasks so that re-running never duplicates one."""

    def __init__(self, client: HubSpot, settings: HubSpotSettings, budget: ApiBudget,
                 ledger: TaskLedger | None = None):
        self.client, self.settings, self.budget, self.ledger = client, settings, budget, ledger

    def _call(self, fn, *args, **kwargs):
        return call(SOURCE, fn, *args, budget=self.budget,
                    _request_timeout=self.settings.timeout_s, **kwargs)

    # --- the key property ----------------------------------------------------------------
    def ensure_key_property(self) -> None:
        """Create the unique-value task property on first use; explain when that is refused."""
        core = self.client.crm.properties.core_api
        name = self.settings.key_property
        try:
            prop = self._call(core.get_by_name, "tasks", name)
        except CrmRejected as exc:
            if exc.status != 404:
                raise
            prop = None
        if prop is None:
            spec = {"name": name, "label": "Empathy Engine action key", "type": "string",
                    "fieldType": "text", "groupName": "taskinformation", "hasUniqueValue": True,
                    "description": "Idempotency key written by Empathy Engine; do not edit."}
            try:
                self._call(core.create, "tasks", spec)
            except CrmAuthError as exc:
                raise ConfigError(
                    f"HubSpot refused to create the task property {name!r} ({exc}); give the "
                    "private app the crm.schemas.custom.write scope, or create a single-line "
                    f"text task property {name!r} with 'unique values' switched on.") from exc
        elif not getattr(prop, "has_unique_value", False):
            raise ConfigError(f"The HubSpot task property {name!r} exists but does not require "
                              "unique values, so it cannot make write-back idempotent; "
                              "name another property in task_key_property.")

    def mode(self) -> str:
        """``"upsert"`` when the key property is usable, else ``"ledger"`` if one is set."""
        try:
            self.ensure_key_property()
            return "upsert"
        except ConfigError as exc:
            if self.ledger is None:
                raise
            log.warning("hubspot: %s; writing through the task ledger instead", exc)
            return "ledger"

    # --- writing -------------------------------------------------------------------------
    def write(self, tasks: pd.DataFrame) -> WriteResult:
        mode = self.mode()
        result = WriteResult(SOURCE)
        records = tasks.to_dict("records")
        for start in range(0, len(records), BATCH_LIMIT):
            chunk = records[start:start + BATCH_LIMIT]
            if mode == "upsert":
                self._upsert_chunk(chunk, result)
            else:
                self._ledger_chunk(chunk, result)
        return result

    def _properties(self, task: dict) -> dict:
        props = {"hs_timestamp": f"{task['due_date']}T09:00:00.000Z",
                 "hs_task_subject": task["subject"][:255],
                 "hs_task_body": f"{task['body']}\n\n{key_marker(task['action_key'])}",
                 "hs_task_priority": PRIORITY.get(task["priority"], "MEDIUM"),
                 "hs_task_type": "TODO"}
        if task.get("owner_id"):
            props["hubspot_owner_id"] = str(task["owner_id"])
        return props

    def _link(self, task_id: str, contact_id) -> dict:
        return {"from": {"id": task_id}, "to": {"id": str(contact_id)},
                "types": [{"associationCategory": "HUBSPOT_DEFINED",
                           "associationTypeId": TASK_TO_CONTACT}]}

    def _collect(self, response, by_key: dict, result: WriteResult, created: bool | None):
        """Record results (matched by trace id or key property) and per-input errors."""
        for obj in response.results:
            key = (obj.properties or {}).get(self.settings.key_property) or obj.object_write_trace_id
            is_new = bool(getattr(obj, "new", False)) if created is None else created
            result.ok(key, obj.id, created=is_new)
        for error in getattr(response, "errors", None) or []:
            for key in (error.context or {}).get("objectWriteTraceId", []):
                result.failed(key, f"{error.category}: {error.message}")
        done = set(result.created) | set(result.updated) | set(result.errors)
        for key in set(by_key) - done:
            result.failed(key, "HubSpot returned no result for this input")

    def _upsert_chunk(self, chunk: list[dict], result: WriteResult) -> None:
        by_key = {t["action_key"]: t for t in chunk}
        inputs = [{"id": k, "idProperty": self.settings.key_property, "objectWriteTraceId": k,
                   "properties": {**self._properties(t), self.settings.key_property: k}}
                  for k, t in by_key.items()]
        response = self._call(self.client.crm.objects.tasks.batch_api.upsert,
                              batch_input_simple_public_object_batch_input_upsert={
                                  "inputs": inputs})
        chunk_result = WriteResult(SOURCE)
        self._collect(response, by_key, chunk_result, created=None)
        links = [self._link(tid, by_key[k]["source_id"])
                 for k, tid in {**chunk_result.created, **chunk_result.updated}.items()]
        if links:
            self._call(self.client.crm.associations.v4.batch_api.create, "tasks", "contacts",
                       batch_input_public_association_multi_post={"inputs": links})
        result.merge(chunk_result)

    def _ledger_chunk(self, chunk: list[dict], result: WriteResult) -> None:
        by_key = {t["action_key"]: t for t in chunk}
        known = self.ledger.lookup(SOURCE, by_key)
        pending = {k: v["contact_id"] for k, v in known.items() if v["task_id"] is None}
        found = self._find_pending(pending)
        self.ledger.record(SOURCE, found)
        existing = {k: v["task_id"] for k, v in known.items() if v["task_id"]} | found
        if existing:
            self._update_by_id(existing, by_key, result)
        to_create = [k for k in by_key if k not in existing]
        self.ledger.mark_pending(SOURCE, {k: str(by_key[k]["source_id"])
                                          for k in to_create if k not in known})
        if to_create:
            self._create(to_create, by_key, result)

    def _update_by_id(self, ids: dict[str, str], by_key: dict, result: WriteResult) -> None:
        inputs = [{"id": tid, "objectWriteTraceId": k, "properties": self._properties(by_key[k])}
                  for k, tid in ids.items()]
        response = self._call(self.client.crm.objects.tasks.batch_api.update,
                              batch_input_simple_public_object_batch_input={"inputs": inputs})
        self._collect(response, {k: by_key[k] for k in ids}, result, created=False)

    def _create(self, keys: list[str], by_key: dict, result: WriteResult) -> None:
        inputs = [{"objectWriteTraceId": k, "properties": self._properties(by_key[k]),
                   "associations": [{"to": {"id": str(by_key[k]["source_id"])},
                                     "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                                "associationTypeId": TASK_TO_CONTACT}]}]}
                  for k in keys]
        response = self._call(self.client.crm.objects.tasks.batch_api.create,
                              batch_input_simple_public_object_batch_input_for_create={
                                  "inputs": inputs})
        chunk_result = WriteResult(SOURCE)
        self._collect(response, {k: by_key[k] for k in keys}, chunk_result, created=True)
        self.ledger.record(SOURCE, chunk_result.created)
        result.merge(chunk_result)

    def _find_pending(self, pending: dict[str, str]) -> dict[str, str]:
        """Task ids of pending keys that were created before a crash (found by body marker)."""
        found: dict[str, str] = {}
        for key, contact_id in pending.items():
            page = self._call(self.client.crm.associations.v4.basic_api.get_page,
                              "contacts", contact_id, "tasks", limit=500)
            ids = [str(r.to_object_id) for r in page.results]
            if not ids:
                continue
            tasks = self._call(self.client.crm.objects.tasks.batch_api.read,
                               batch_read_input_simple_public_object_id={
                                   "inputs": [{"id": i} for i in ids],
                                   "properties": ["hs_task_body"]})
            for obj in tasks.results:
                if key_marker(key) in ((obj.properties or {}).get("hs_task_body") or ""):
                    found[key] = obj.id
        return found
