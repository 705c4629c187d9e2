"""Salesforce: declarative SOQL streams into the canonical tables, and the task write-back.

Reads go through ``SalesforceSource`` (one base owns paging, retries, the budget and each
stream's incremental window; a stream is a few lines declaring its sObject, fields, filter and
replication key). Writes go through ``SalesforceTaskSink``: sObject Collections upsert on
the Task external-ID field, 200 records per call, so a re-run updates instead of duplicating
(and a call whose answer was lost is safely repeated). A client that logged in (OAuth or
SOAP) renews an expired session itself and repeats the call (simple-salesforce).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from simple_salesforce import Salesforce

from empathy_engine.core import schema

from .bookmarks import Window, latest, soql_datetime
from .canonical import activity, contact_key, frame, join_text
from .http import TimeoutSession
from .retry import ApiBudget, call
from .salesforce_bulk import bulk_query
from .settings import SalesforceSettings
from .store import activity_frame, resolve_activities
from .sync import Changes
from .writeback import WriteResult

log = logging.getLogger(__name__)
SOURCE = "salesforce"
COLLECTION_LIMIT = 200


def make_client(instance_url: str, access_token: str, *, ca_bundle: str | bool = True,
                version: str = "59.0", timeout_s: float = 30.0) -> Salesforce:
    """A direct-session client (an access token from OAuth, or the sandbox's session id)."""
    session = TimeoutSession(timeout_s=timeout_s, verify=ca_bundle)
    return Salesforce(instance_url=instance_url, session_id=access_token, session=session,
                      version=version)


@dataclass(frozen=True)
class SoqlStream:
    """One sObject whose records become canonical rows.

    ``to_rows`` maps one record to rows (none is fine: the record's stored rows go away).
    Incremental pulls add ``<replication_key> > bookmark AND <replication_key> <= end`` and
    read through ``queryAll`` so that deleted records come back with ``IsDeleted`` set.
    """

    name: str
    sobject: str
    fields: tuple[str, ...]
    to_rows: Callable[[dict], list[dict]]
    where: str = ""
    replication_key: str = "SystemModstamp"
    table: str = "activities"
    deletions: bool = True  # whether queryAll + IsDeleted applies

    def soql(self, window: Window, key_field: str) -> str:
        incremental = not window.full
        extra = [self.replication_key, *(["IsDeleted"] if incremental and self.deletions else [])]
        fields = list(dict.fromkeys([*self.fields, *extra]))
        conditions = [self.where] if self.where else []
        if incremental:
            conditions += [f"{self.replication_key} > {soql_datetime(window.start)}",
                           f"{self.replication_key} <= {soql_datetime(window.end)}"]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"SELECT {', '.join(fields)} FROM {self.sobject}{where}".format(key_field=key_field)

    def record_id(self, rec: dict) -> str:
        return rec["Id"] if self.table == "contacts" else f"{self.sobject}:{rec['Id']}"


def _contact_rows(rec: dict) -> list[dict]:
    key = contact_key(rec.get("Email"))
    if key is None:
        return []
    return [{"contact_key": key, "source": SOURCE, "source_id": rec["Id"],
             "owner_id": rec.get("OwnerId"), "account_id": rec.get("AccountId"),
             "industry": (rec.get("Account") or {}).get("Industry"), "title": rec.get("Title"),
             "opted_out": bool(rec.get("HasOptedOutOfEmail")),
             "created_at": rec.get("CreatedDate"), "updated_at": rec.get("SystemModstamp")}]


def _email_rows(rec: dict) -> list[dict]:
    incoming = bool(rec.get("Incoming"))
    key = contact_key(rec.get("FromAddress") if incoming else rec.get("ToAddress"))
    if key is None:
        return []
    return [activity(key, SOURCE, f"EmailMessage:{rec['Id']}", rec.get("MessageDate"),
                     schema.EMAIL, schema.INBOUND if incoming else schema.OUTBOUND,
                     case_id=rec.get("ParentId"),
                     text=join_text(rec.get("Subject"), rec.get("TextBody")) if incoming else None)]


def _task_rows(rec: dict) -> list[dict]:
    who = rec.get("WhoId")
    if who is None:
        return []
    if rec.get("TaskSubtype") == "Call":
        inbound = rec.get("CallType") == "Inbound"
        return [activity(None, SOURCE, f"Task:{rec['Id']}", rec.get("CreatedDate"), schema.CALL,
                         schema.INBOUND if inbound else schema.OUTBOUND, contact_id=who)]
    return [activity(None, SOURCE, f"Task:{rec['Id']}", rec.get("CreatedDate"), schema.NOTE,
                     schema.OUTBOUND, text=join_text(rec.get("Description")), contact_id=who)]


def _event_rows(rec: dict) -> list[dict]:
    if rec.get("WhoId") is None:
        return []
    return [activity(None, SOURCE, f"Event:{rec['Id']}", rec.get("StartDateTime"),
                     schema.MEETING, schema.OUTBOUND, contact_id=rec["WhoId"])]


def _opportunity_rows(rec: dict) -> list[dict]:
    # IsWon is checked here, not in SOQL, so an opportunity that is no longer won loses its row
    if not rec.get("IsWon") or rec.get("ContactId") is None or rec.get("CloseDate") is None:
        return []
    return [activity(None, SOURCE, f"Opportunity:{rec['Id']}", rec["CloseDate"] + "T12:00:00Z",
                     schema.PURCHASE, schema.INBOUND, amount=rec.get("Amount"),
                     contact_id=rec["ContactId"])]


def _case_rows(rec: dict) -> list[dict]:
    who = rec.get("ContactId")
    if who is None:
        return []
    rows = [activity(None, SOURCE, f"Case:{rec['Id']}:opened", rec.get("CreatedDate"),
                     schema.CASE_OPENED, schema.INBOUND, case_id=rec["Id"], contact_id=who,
                     text=join_text(rec.get("Subject"), rec.get("Description")))]
    if rec.get("IsClosed") and rec.get("ClosedDate"):
        rows.append(activity(None, SOURCE, f"Case:{rec['Id']}:closed", rec["ClosedDate"],
                             schema.CASE_CLOSED, schema.OUTBOUND, case_id=rec["Id"],
                             contact_id=who))
    return rows


def _escalation_rows(rec: dict) -> list[dict]:
    # no contact of its own: the row takes the person of its case (store.resolve_activities)
    if rec.get("NewValue") != "Escalated":
        return []
    return [activity(None, SOURCE, f"CaseHistory:{rec['Id']}", rec.get("CreatedDate"),
                     schema.CASE_ESCALATED, schema.INBOUND, case_id=rec["CaseId"])]


CONTACTS = SoqlStream("contacts", "Contact", (
    "Id", "Email", "Title", "AccountId", "Account.Industry", "OwnerId", "HasOptedOutOfEmail",
    "CreatedDate", "SystemModstamp"), _contact_rows, table="contacts")
STREAMS = (
    SoqlStream("emails", "EmailMessage", ("Id", "ParentId", "FromAddress", "ToAddress",
                                          "Incoming", "MessageDate", "Subject", "TextBody"),
               _email_rows),
    SoqlStream("calls_and_notes", "Task", ("Id", "WhoId", "TaskSubtype", "CallType",
                                           "Description", "CreatedDate"), _task_rows,
               where="Status = 'Completed' AND {key_field} = null"),
    SoqlStream("meetings", "Event", ("Id", "WhoId", "StartDateTime"), _event_rows),
    SoqlStream("purchases", "Opportunity", ("Id", "ContactId", "CloseDate", "Amount", "IsWon"),
               _opportunity_rows),
    SoqlStream("cases", "Case", ("Id", "ContactId", "Subject", "Description", "CreatedDate",
                                 "IsClosed", "ClosedDate", "IsEscalated"), _case_rows),
    # history rows never change, so CreatedDate is their replication key
    SoqlStream("case_history", "CaseHistory", ("Id", "CaseId", "NewValue", "CreatedDate"),
               _escalation_rows, where="Field = 'Status'", replication_key="CreatedDate",
               deletions=False),
)
OPEN_ACTIONS_SOQL = ("SELECT Id, WhoId, {key_field}, ActivityDate FROM Task "
                     "WHERE IsClosed = false AND {key_field} != null")
EVERYTHING = Window(None, datetime.max.replace(tzinfo=UTC))


class SalesforceSource:
    """Reads contacts and activity from one Salesforce org.

    The streams above are declarations; this class owns paging (``nextRecordsUrl``), the
    retry policy and budget (``call``) and the incremental window of each stream.
    """

    def __init__(self, sf: Salesforce, settings: SalesforceSettings, budget: ApiBudget):
        self.sf, self.settings, self.budget = sf, settings, budget

    def query(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict]:
        """All records of a SOQL query, page by page (``nextRecordsUrl``)."""
        soql = soql.format(key_field=self.settings.key_field)
        headers = {"Sforce-Query-Options": f"batchSize={self.settings.page_size}"}
        page = call(SOURCE, self.sf.query, soql, include_deleted=include_deleted,
                    budget=self.budget, headers=headers)
        while True:
            yield from page.get("records", [])
            if page.get("done", True):
                return
            page = call(SOURCE, self.sf.query_more, page["nextRecordsUrl"],
                        identifier_is_url=True, include_deleted=include_deleted,
                        budget=self.budget, headers=headers)

    def streams(self) -> tuple[SoqlStream, ...]:
        return (CONTACTS, *STREAMS)

    def count(self, sobject: str) -> int:
        """How many records an object has (one call; sizes a full pull)."""
        return int(call(SOURCE, self.sf.query, f"SELECT COUNT() FROM {sobject}",
                        budget=self.budget).get("totalSize", 0))

    def records(self, stream: SoqlStream, window: Window) -> Iterator[dict]:
        """The stream's records in ``window``: Bulk API 2.0 for a large full pull, else REST."""
        soql = stream.soql(window, self.settings.key_field)
        deleted_too = stream.deletions and not window.full
        threshold = self.settings.bulk_threshold
        if window.full and threshold and self.count(stream.sobject) > threshold:
            log.info("salesforce %s: full pull through Bulk API 2.0", stream.name)
            return bulk_query(self.sf, stream.sobject, soql, budget=self.budget,
                              include_deleted=deleted_too)
        return self.query(soql, include_deleted=deleted_too)

    def pull(self, stream: SoqlStream, window: Window) -> Changes:
        """The records of ``stream`` in ``window``, as rows of its table."""
        changes = Changes()
        stamps = []
        for rec in self.records(stream, window):
            record_id = stream.record_id(rec)
            changes.records.add(record_id)
            stamps.append(rec.get(stream.replication_key))
            if rec.get("IsDeleted"):
                continue
            for row in stream.to_rows(rec):
                changes.rows.append({**row, "record_id": record_id})
        changes.max_seen = latest(stamps)
        log.info("salesforce %s: %d rows", stream.name, len(changes.rows))
        return changes

    def contacts(self) -> pd.DataFrame:
        """Every contact, in full."""
        return frame(self.pull(CONTACTS, EVERYTHING).rows, schema.CONTACTS)

    def activities(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Every activity of ``contacts``, in full."""
        rows = [row for stream in STREAMS for row in self.pull(stream, EVERYTHING).rows]
        return resolve_activities(activity_frame(rows, "all"), contacts)

    def open_actions(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Empathy tasks still open in the org: the guard against piling up actions.

        Always read in full (they are few, and one closed since the last run must vanish).
        """
        ids = dict(zip(contacts["source_id"], contacts["contact_key"], strict=True))
        rows = [{"contact_key": ids.get(rec.get("WhoId")), "source": SOURCE,
                 "action_key": rec.get(self.settings.key_field), "task_id": rec["Id"]}
                for rec in self.query(OPEN_ACTIONS_SOQL)]
        return pd.DataFrame(rows, columns=["contact_key", "source", "action_key", "task_id"])


class SalesforceTaskSink:
    """Writes tasks with sObject Collections upserts on the external-ID field."""

    def __init__(self, sf: Salesforce, settings: SalesforceSettings, budget: ApiBudget):
        self.sf, self.settings, self.budget = sf, settings, budget

    def _record(self, task: dict) -> dict:
        return {"attributes": {"type": "Task"}, self.settings.key_field: task["action_key"],
                "WhoId": task["source_id"], "OwnerId": task["owner_id"],
                "Subject": task["subject"][:255], "Description": task["body"],
                "ActivityDate": str(task["due_date"]), "Priority": task["priority"]}

    def write(self, tasks: pd.DataFrame, result: WriteResult | None = None) -> WriteResult:
        """Upsert ``tasks`` (idempotent: a lost answer is safely repeated); ``result`` is
        filled collection by collection, so a failure leaves what was written known."""
        result = WriteResult(SOURCE) if result is None else result
        records = tasks.to_dict("records")
        path = f"composite/sobjects/Task/{self.settings.key_field}"
        for start in range(0, len(records), COLLECTION_LIMIT):
            chunk = records[start:start + COLLECTION_LIMIT]
            body = {"allOrNone": False, "records": [self._record(t) for t in chunk]}
            saved = call(SOURCE, self.sf.restful, path, method="PATCH", json=body,
                         budget=self.budget)
            for task, item in zip(chunk, saved, strict=True):
                if item.get("success"):
                    result.ok(task["action_key"], item["id"], created=bool(item.get("created")))
                else:
                    result.failed(task["action_key"], "; ".join(
                        f"{e.get('statusCode')}: {e.get('message')}" for e in item["errors"]))
        return result
