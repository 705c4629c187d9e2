"""HubSpot task write-back: exactly once, by a unique-value property or by a ledger.

Every task is created together with its contact association (one batch create with
``associations`` per input), so no crash or lost answer can leave an orphan; a create is
never repeated blindly: after an answer that may hide an applied write (timeout, reset, 5xx)
the sink looks up which keys exist (``hubspot_lookup.TaskFinder``) and creates only the rest.

Key mode (preferred): tasks carry the unique task property ``empathy_key`` (created on first
use). Each batch reads the keys that exist, updates those by id (and re-associates them with
their contact, which repairs a task an older version left unlinked), and creates the others.

Ledger mode (fallback, when the account cannot have that property): task ids are kept in a
:class:`~connectors.ledger.TaskLedger`; later runs update them by id. Keys are marked pending
before the create, and a pending key is looked up among its contact's tasks (by the marker at
the end of the body) before anything is created again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
from hubspot import HubSpot

from empathy_engine.core.errors import ConfigError, CrmAuthError, CrmRejected

from .hubspot_lookup import TaskFinder, key_marker
from .ledger import TaskLedger
from .retry import AmbiguousWrite, ApiBudget, call
from .settings import HubSpotSettings
from .writeback import WriteResult

log = logging.getLogger(__name__)
SOURCE = "hubspot"
BATCH_LIMIT = 100
TASK_TO_CONTACT = 204
PRIORITY = {"High": "HIGH", "Normal": "MEDIUM", "Low": "LOW"}
#: creates of one batch, each after a look-up of what the previous one applied
CREATE_ROUNDS = 3
__all__ = ["HubSpotTaskSink", "key_marker"]


class HubSpotTaskSink:
    """Writes tasks so that re-running never duplicates one."""

    def __init__(self, client: HubSpot, settings: HubSpotSettings, budget: ApiBudget,
                 ledger: TaskLedger | None = None):
        self.client, self.settings, self.budget, self.ledger = client, settings, budget, ledger
        self.find = TaskFinder(client, self._call, settings.key_property)

    def _call(self, fn, *args, idempotent: bool = True, **kwargs):
        return call(SOURCE, fn, *args, budget=self.budget, idempotent=idempotent,
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
            except CrmRejected as exc:
                if exc.status != 409:  # 409: it exists (an earlier answer was lost)
                    raise
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
    def write(self, tasks: pd.DataFrame, result: WriteResult | None = None) -> WriteResult:
        """Write ``tasks``; ``result`` is filled batch by batch, so that when a call fails for
        good the caller still knows what was written before."""
        result = WriteResult(SOURCE) if result is None else result
        mode = self.mode()
        records = tasks.to_dict("records")
        for start in range(0, len(records), BATCH_LIMIT):
            by_key = {t["action_key"]: t for t in records[start:start + BATCH_LIMIT]}
            if mode == "upsert":
                self._keyed_chunk(by_key, result)
            else:
                self._ledger_chunk(by_key, result)
        return result

    def _properties(self, task: dict, *, keyed: bool = False) -> dict:
        props = {"hs_timestamp": f"{task['due_date']}T09:00:00.000Z",
                 "hs_task_subject": task["subject"][:255],
                 "hs_task_body": f"{task['body']}\n\n{key_marker(task['action_key'])}",
                 "hs_task_priority": PRIORITY.get(task["priority"], "MEDIUM"),
                 "hs_task_type": "TODO"}
        if task.get("owner_id"):
            props["hubspot_owner_id"] = str(task["owner_id"])
        if keyed:
            props[self.settings.key_property] = task["action_key"]
        return props

    @staticmethod
    def _association(contact_id) -> dict:
        return {"to": {"id": str(contact_id)},
                "types": [{"associationCategory": "HUBSPOT_DEFINED",
                           "associationTypeId": TASK_TO_CONTACT}]}

    def _collect(self, response, keys, result: WriteResult, created: bool | None):
        """Record results (matched by trace id or key property) and per-input errors."""
        wanted = set(keys)
        for obj in response.results:
            key = (obj.properties or {}).get(self.settings.key_property) or obj.object_write_trace_id
            is_new = bool(getattr(obj, "new", False)) if created is None else created
            result.ok(key, obj.id, created=is_new)
        for error in getattr(response, "errors", None) or []:
            for key in (error.context or {}).get("objectWriteTraceId", []):
                result.failed(key, f"{error.category}: {error.message}")
        for key in wanted - result.done():
            result.failed(key, "HubSpot returned no result for this input")

    def _keyed_chunk(self, by_key: dict[str, dict], result: WriteResult) -> None:
        existing = self.find.by_key_property(list(by_key))
        if existing:
            self._update_by_id(existing, by_key, result)
            self._associate(existing, by_key)
        missing = [k for k in by_key if k not in existing]
        if missing:
            self._create(missing, by_key, result, keyed=True, find=self.find.by_key_property)

    def _associate(self, ids: dict[str, str], by_key: dict[str, dict]) -> None:
        """Link existing tasks with their contact (idempotent): repairs an unlinked task."""
        links = [{"from": {"id": tid}, **self._association(by_key[k]["source_id"])}
                 for k, tid in ids.items()]
        self._call(self.client.crm.associations.v4.batch_api.create, "tasks", "contacts",
                   batch_input_public_association_multi_post={"inputs": links})

    def _ledger_chunk(self, by_key: dict[str, dict], result: WriteResult) -> None:
        known = self.ledger.lookup(SOURCE, by_key)
        ids = {k: v["task_id"] for k, v in known.items() if v["task_id"]}
        pending = {k: v["contact_id"] for k, v in known.items() if not v["task_id"]}
        if pending:  # created before a crash, or never: HubSpot knows
            found = self.find.by_marker(pending)
            self.ledger.record(SOURCE, found)
            ids |= found
        if ids:
            self._update_by_id(ids, by_key, result)
        missing = [k for k in by_key if k not in ids]
        self.ledger.mark_pending(SOURCE, {k: str(by_key[k]["source_id"])
                                          for k in missing if k not in known})
        if missing:
            self._create(missing, by_key, result, keyed=False, find=lambda keys: (
                self.find.by_marker({k: str(by_key[k]["source_id"]) for k in keys})))

    def _update_by_id(self, ids: dict[str, str], by_key: dict, result: WriteResult) -> None:
        inputs = [{"id": tid, "objectWriteTraceId": k, "properties": self._properties(by_key[k])}
                  for k, tid in ids.items()]
        response = self._call(self.client.crm.objects.tasks.batch_api.update,
                              batch_input_simple_public_object_batch_input={"inputs": inputs})
        self._collect(response, ids, result, created=False)

    def _create(self, keys: list[str], by_key: dict, result: WriteResult, *, keyed: bool,
                find: Callable[[list[str]], dict[str, str]]) -> None:
        """Create ``keys`` with their association; after an ambiguous failure, look up what
        was applied and create only the rest (never the same task twice)."""
        last: AmbiguousWrite | None = None
        for _ in range(CREATE_ROUNDS):
            inputs = [{"objectWriteTraceId": k,
                       "properties": self._properties(by_key[k], keyed=keyed),
                       "associations": [self._association(by_key[k]["source_id"])]}
                      for k in keys]
            try:
                response = self._call(self.client.crm.objects.tasks.batch_api.create,
                                      idempotent=False,
                                      batch_input_simple_public_object_batch_input_for_create={
                                          "inputs": inputs})
            except AmbiguousWrite as exc:
                last = exc
                found = find(keys)
                log.warning("%s; %d of %d tasks were applied, %d left to create", exc,
                            len(found), len(keys), len(keys) - len(found))
                self._created(found, result)
                keys = [k for k in keys if k not in found]
                if not keys:
                    return
                continue
            chunk = WriteResult(SOURCE)
            self._collect(response, keys, chunk, created=True)
            self._created(chunk.created, result)
            result.errors.update(chunk.errors)
            return
        raise AmbiguousWrite(f"hubspot: creating {len(keys)} tasks failed {CREATE_ROUNDS} times "
                             f"without an answer (last: {last}); none of them exists, and the "
                             "next run creates them", crm=SOURCE)

    def _created(self, ids: dict[str, str], result: WriteResult) -> None:
        if self.ledger is not None and ids:
            self.ledger.record(SOURCE, ids)
        for key, task_id in ids.items():
            result.ok(key, task_id, created=True)
