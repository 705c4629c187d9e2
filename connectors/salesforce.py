"""Salesforce: declarative SOQL streams into the canonical tables, and the task write-back.

Reads go through ``SalesforceSource`` (one base owns paging, retries and the budget; each
stream is a few lines). Writes go through ``SalesforceTaskSink``: sObject Collections upsert on
the Task external-ID field, 200 records per call, so a re-run updates instead of duplicating.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
from simple_salesforce import Salesforce

from empathy import schema

from .canonical import activity, contact_key, frame, join_text
from .http import TimeoutSession
from .retry import ApiBudget, call
from .settings import SalesforceSettings
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
    """One SOQL query whose records become canonical activity rows."""

    name: str
    soql: str
    to_rows: Callable[[dict, dict], list[dict]]  # (record, contact ids -> keys) -> rows


def _email_rows(rec: dict, _ids: dict) -> list[dict]:
    incoming = bool(rec.get("Incoming"))
    key = contact_key(rec.get("FromAddress") if incoming else rec.get("ToAddress"))
    if key is None:
        return []
    return [activity(key, SOURCE, f"EmailMessage:{rec['Id']}", rec.get("MessageDate"),
                     schema.EMAIL, schema.INBOUND if incoming else schema.OUTBOUND,
                     case_id=rec.get("ParentId"),
                     text=join_text(rec.get("Subject"), rec.get("TextBody")) if incoming else None)]


def _task_rows(rec: dict, ids: dict) -> list[dict]:
    key = ids.get(rec.get("WhoId"))
    if key is None:
        return []
    if rec.get("TaskSubtype") == "Call":
        inbound = rec.get("CallType") == "Inbound"
        return [activity(key, SOURCE, f"Task:{rec['Id']}", rec.get("CreatedDate"), schema.CALL,
                         schema.INBOUND if inbound else schema.OUTBOUND)]
    return [activity(key, SOURCE, f"Task:{rec['Id']}", rec.get("CreatedDate"), schema.NOTE,
                     schema.OUTBOUND, text=join_text(rec.get("Description")))]


def _event_rows(rec: dict, ids: dict) -> list[dict]:
    key = ids.get(rec.get("WhoId"))
    if key is None:
        return []
    return [activity(key, SOURCE, f"Event:{rec['Id']}", rec.get("StartDateTime"),
                     schema.MEETING, schema.OUTBOUND)]


def _opportunity_rows(rec: dict, ids: dict) -> list[dict]:
    key = ids.get(rec.get("ContactId"))
    if key is None or rec.get("CloseDate") is None:
        return []
    return [activity(key, SOURCE, f"Opportunity:{rec['Id']}", rec["CloseDate"] + "T12:00:00Z",
                     schema.PURCHASE, schema.INBOUND, amount=rec.get("Amount"))]


def _case_rows(rec: dict, ids: dict) -> list[dict]:
    key = ids.get(rec.get("ContactId"))
    if key is None:
        return []
    rows = [activity(key, SOURCE, f"Case:{rec['Id']}:opened", rec.get("CreatedDate"),
                     schema.CASE_OPENED, schema.INBOUND, case_id=rec["Id"],
                     text=join_text(rec.get("Subject"), rec.get("Description")))]
    if rec.get("IsClosed") and rec.get("ClosedDate"):
        rows.append(activity(key, SOURCE, f"Case:{rec['Id']}:closed", rec["ClosedDate"],
                             schema.CASE_CLOSED, schema.OUTBOUND, case_id=rec["Id"]))
    return rows


STREAMS = (
    SoqlStream("emails", "SELECT Id, ParentId, FromAddress, ToAddress, Incoming, MessageDate, "
               "Subject, TextBody FROM EmailMessage", _email_rows),
    SoqlStream("calls_and_notes", "SELECT Id, WhoId, TaskSubtype, CallType, Description, "
               "CreatedDate FROM Task WHERE Status = 'Completed' AND {key_field} = null",
               _task_rows),
    SoqlStream("meetings", "SELECT Id, WhoId, StartDateTime FROM Event", _event_rows),
    SoqlStream("purchases", "SELECT Id, ContactId, CloseDate, Amount FROM Opportunity "
               "WHERE IsWon = true", _opportunity_rows),
    SoqlStream("cases", "SELECT Id, ContactId, Subject, Description, CreatedDate, IsClosed, "
               "ClosedDate, IsEscalated, SystemModstamp FROM Case", _case_rows),
)

CONTACT_SOQL = ("SELECT Id, Email, Title, AccountId, Account.Industry, OwnerId, "
                "HasOptedOutOfEmail, CreatedDate, SystemModstamp FROM Contact")
ESCALATION_SOQL = ("SELECT Id, CaseId, NewValue, CreatedDate FROM CaseHistory "
                   "WHERE Field = 'Status'")
OPEN_ACTIONS_SOQL = ("SELECT Id, WhoId, {key_field}, ActivityDate FROM Task "
                     "WHERE IsClosed = false AND {key_field} != null")


class SalesforceSource:
    """Reads contacts and activity from one Salesforce org."""

    def __init__(self, sf: Salesforce, settings: SalesforceSettings, budget: ApiBudget):
        self.sf, self.settings, self.budget = sf, settings, budget

    def query(self, soql: str) -> Iterator[dict]:
        """All records of a SOQL query, page by page (``nextRecordsUrl``)."""
        soql = soql.format(key_field=self.settings.key_field)
        headers = {"Sforce-Query-Options": f"batchSize={self.settings.page_size}"}
        page = call(SOURCE, self.sf.query, soql, budget=self.budget, headers=headers)
        while True:
            yield from page.get("records", [])
            if page.get("done", True):
                return
            page = call(SOURCE, self.sf.query_more, page["nextRecordsUrl"],
                        identifier_is_url=True, budget=self.budget, headers=headers)

    def contacts(self) -> pd.DataFrame:
        rows = []
        for rec in self.query(CONTACT_SOQL):
            key = contact_key(rec.get("Email"))
            if key is None:
                continue
            rows.append({"contact_key": key, "source": SOURCE, "source_id": rec["Id"],
                         "owner_id": rec.get("OwnerId"), "account_id": rec.get("AccountId"),
                         "industry": (rec.get("Account") or {}).get("Industry"),
                         "title": rec.get("Title"),
                         "opted_out": bool(rec.get("HasOptedOutOfEmail")),
                         "created_at": rec.get("CreatedDate"),
                         "updated_at": rec.get("SystemModstamp")})
        return frame(rows, schema.CONTACTS)

    def activities(self, contacts: pd.DataFrame) -> pd.DataFrame:
        ids = dict(zip(contacts["source_id"], contacts["contact_key"], strict=True))
        rows: list[dict] = []
        case_keys: dict[str, str] = {}
        for stream in STREAMS:
            before = len(rows)
            for rec in self.query(stream.soql):
                rows.extend(stream.to_rows(rec, ids))
                if stream.name == "cases" and ids.get(rec.get("ContactId")):
                    case_keys[rec["Id"]] = ids[rec["ContactId"]]
            log.info("salesforce %s: %d activity rows", stream.name, len(rows) - before)
        rows.extend(self._escalations(case_keys))
        return frame(rows, schema.ACTIVITIES)

    def _escalations(self, case_keys: dict[str, str]) -> list[dict]:
        rows = []
        for rec in self.query(ESCALATION_SOQL):
            key = case_keys.get(rec.get("CaseId"))
            if key and rec.get("NewValue") == "Escalated":
                rows.append(activity(key, SOURCE, f"CaseHistory:{rec['Id']}",
                                     rec.get("CreatedDate"), schema.CASE_ESCALATED,
                                     schema.INBOUND, case_id=rec["CaseId"]))
        return rows

    def open_actions(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Empathy tasks still open in the org: the guard against piling up actions."""
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

    def write(self, tasks: pd.DataFrame) -> WriteResult:
        result = WriteResult(SOURCE)
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
