"""HubSpot: declarative CRM v3 streams into the canonical tables.

A full pull lists each object type with ``associations=contacts`` (one paged call per 100
records, no per-record association lookups); an incremental pull searches for the records
modified since the stream's bookmark (``hubspot_search``). The task write-back lives in
``hubspot_sink``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from hubspot import HubSpot

from empathy_engine.core import schema

from .bookmarks import Window, latest
from .canonical import activity, contact_key, join_text
from .hubspot_search import KeysetSearch, first_contacts
from .retry import ApiBudget, call
from .settings import HubSpotSettings
from .store import (
    activity_frame,
    company_frame,
    contact_frame,
    resolve_activities,
    resolve_contacts,
)
from .sync import Changes

log = logging.getLogger(__name__)
SOURCE = "hubspot"
PAGE = 100
PAGE_WITH_HISTORY = 50  # HubSpot caps list pages at 50 when propertiesWithHistory is asked
BATCH_LIMIT = 100


def make_client(settings: HubSpotSettings) -> HubSpot:
    """An unmodified ``hubspot.HubSpot`` client pointed at ``settings.host``."""
    return HubSpot(access_token=settings.token, host=settings.host)


@dataclass(frozen=True)
class ObjectStream:
    """One HubSpot object type whose records become canonical rows.

    ``to_rows(object id, properties, history)``; for activity streams the base adds the
    record's contact (``contact_id``). Incremental pulls search on ``modified_property``.
    """

    object_type: str
    properties: tuple[str, ...]
    to_rows: Callable[[str, dict, dict], list[dict]]
    history: tuple[str, ...] = ()
    table: str = "activities"
    modified_property: str = "hs_lastmodifieddate"

    @property
    def name(self) -> str:
        return self.object_type

    def record_id(self, oid: str) -> str:
        return f"{self.object_type}:{oid}" if self.table == "activities" else str(oid)


def _email(oid, p, _h):
    inbound = p.get("hs_email_direction") == "INCOMING_EMAIL"
    text = join_text(p.get("hs_email_subject"), p.get("hs_email_text")) if inbound else None
    return [activity(None, SOURCE, f"emails:{oid}", p.get("hs_timestamp"), schema.EMAIL,
                     schema.INBOUND if inbound else schema.OUTBOUND, text=text)]


def _call(oid, p, _h):
    inbound = p.get("hs_call_direction") == "INBOUND"
    return [activity(None, SOURCE, f"calls:{oid}", p.get("hs_timestamp"), schema.CALL,
                     schema.INBOUND if inbound else schema.OUTBOUND)]


def _meeting(oid, p, _h):
    return [activity(None, SOURCE, f"meetings:{oid}", p.get("hs_timestamp"), schema.MEETING,
                     schema.OUTBOUND)]


def _note(oid, p, _h):
    return [activity(None, SOURCE, f"notes:{oid}", p.get("hs_timestamp"), schema.NOTE,
                     schema.OUTBOUND, text=join_text(p.get("hs_note_body")))]


def _deal(oid, p, _h):
    if p.get("dealstage") != "closedwon" or not p.get("closedate"):
        return []
    return [activity(None, SOURCE, f"deals:{oid}", p.get("closedate"), schema.PURCHASE,
                     schema.INBOUND, amount=p.get("amount"))]


def _ticket(oid, p, history):
    rows = [activity(None, SOURCE, f"tickets:{oid}:opened", p.get("createdate"),
                     schema.CASE_OPENED, schema.INBOUND, case_id=oid,
                     text=join_text(p.get("subject"), p.get("content")))]
    urgent = [h for h in history.get("hs_ticket_priority", []) if h["value"] == "URGENT"]
    if urgent:
        first = min(urgent, key=lambda h: h["timestamp"])
        rows.append(activity(None, SOURCE, f"tickets:{oid}:escalated", first["timestamp"],
                             schema.CASE_ESCALATED, schema.INBOUND, case_id=oid))
    if p.get("hs_pipeline_stage") == "4" and p.get("closed_date"):
        rows.append(activity(None, SOURCE, f"tickets:{oid}:closed", p.get("closed_date"),
                             schema.CASE_CLOSED, schema.OUTBOUND, case_id=oid))
    return rows


def _company(oid, p, _h):
    return [{"id": str(oid), "industry": p.get("industry")}]


def _contact(oid, p, _h):
    key = contact_key(p.get("email"))
    if key is None:
        return []
    # industry comes from the company table when the snapshot is made
    return [{"contact_key": key, "source": SOURCE, "source_id": str(oid),
             "owner_id": p.get("hubspot_owner_id"), "account_id": p.get("associatedcompanyid"),
             "industry": None, "title": p.get("jobtitle"),
             "opted_out": str(p.get("hs_email_optout")).lower() == "true",
             "created_at": p.get("createdate"), "updated_at": p.get("lastmodifieddate")}]


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
COMPANIES = ObjectStream("companies", ("industry",), _company, table="companies")
CONTACTS = ObjectStream("contacts", ("email", "jobtitle", "hubspot_owner_id", "hs_email_optout",
                                     "associatedcompanyid", "createdate", "lastmodifieddate"),
                        _contact, table="contacts", modified_property="lastmodifieddate")
#: changed tickets up to this many are re-read one by one (with their history); more, and
#: all tickets are listed again (search results carry no property history)
TICKET_GETS_MAX = 50
EVERYTHING = Window(None, datetime.max.replace(tzinfo=UTC))


def _history(obj) -> dict[str, list[dict]]:
    raw = getattr(obj, "properties_with_history", None) or {}
    return {name: [{"value": v.value, "timestamp": v.timestamp} for v in values or []]
            for name, values in raw.items()}


def _first_contact(obj) -> str | None:
    assoc = (getattr(obj, "associations", None) or {}).get("contacts")
    ids = [str(a.id) for a in (assoc.results if assoc else [])]
    return min(ids, key=int) if ids else None


class HubSpotSource:
    """Reads contacts and activity from one HubSpot account.

    The streams above are declarations; this class owns paging, the retry policy and budget
    (``call``) and each stream's incremental window: a full pull lists the object type with
    its contact associations; an incremental one searches for what changed
    (``hubspot_search.KeysetSearch``) and reads the changed records' contacts in v4 batches.
    """

    def __init__(self, client: HubSpot, settings: HubSpotSettings, budget: ApiBudget):
        self.client, self.settings, self.budget = client, settings, budget
        self.search = KeysetSearch(client, budget, settings.timeout_s)

    def objects(self, object_type: str, properties, *, associations=None, history=()) -> Iterator:
        """Every record of an object type, following ``paging.next.after``."""
        after = None
        while True:
            page = call(SOURCE, self.client.crm.objects.basic_api.get_page, object_type,
                        limit=PAGE_WITH_HISTORY if history else PAGE, after=after,
                        properties=list(properties), associations=associations,
                        archived=False, properties_with_history=list(history) or None,
                        _request_timeout=self.settings.timeout_s, budget=self.budget)
            yield from page.results
            if page.paging is None or page.paging.next is None:
                return
            after = page.paging.next.after

    def streams(self) -> tuple[ObjectStream, ...]:
        return (COMPANIES, CONTACTS, *STREAMS)

    def pull(self, stream: ObjectStream, window: Window) -> Changes:
        """The records of ``stream`` in ``window``, as rows of its table."""
        if window.full:
            objects = list(self._listed(stream))
        else:
            objects = list(self.search.changed(stream.object_type, stream.properties,
                                               stream.modified_property, window))
            if stream.history:
                objects = self._with_history(stream, objects)
        if stream.table != "activities":
            contacts = {}
        elif window.full or stream.history:
            contacts = {obj.id: _first_contact(obj) for obj in objects}
        else:
            contacts = first_contacts(self.client, self.budget, self.settings.timeout_s,
                                      stream.object_type, [obj.id for obj in objects])
        return self._changes(stream, objects, contacts)

    def _listed(self, stream: ObjectStream) -> Iterator:
        associations = ["contacts"] if stream.table == "activities" else None
        return self.objects(stream.object_type, stream.properties, associations=associations,
                            history=stream.history)

    def _with_history(self, stream: ObjectStream, changed: list) -> list:
        """Changed records again, with property history and contacts (search has neither)."""
        if len(changed) > TICKET_GETS_MAX:
            return list(self._listed(stream))
        return [call(SOURCE, self.client.crm.objects.basic_api.get_by_id, stream.object_type,
                     obj.id, properties=list(stream.properties),
                     properties_with_history=list(stream.history), associations=["contacts"],
                     archived=False, _request_timeout=self.settings.timeout_s,
                     budget=self.budget) for obj in changed]

    @staticmethod
    def _changes(stream: ObjectStream, objects: list, contacts: dict) -> Changes:
        changes = Changes(max_seen=latest(obj.updated_at for obj in objects))
        for obj in objects:
            record_id = stream.record_id(obj.id)
            changes.records.add(record_id)
            if stream.table == "activities":
                contact = contacts.get(obj.id)
                if contact is None:
                    continue
                rows = [{**row, "contact_id": contact}
                        for row in stream.to_rows(obj.id, obj.properties, _history(obj))]
            else:
                rows = stream.to_rows(obj.id, obj.properties, {})
            changes.rows.extend({**row, "record_id": record_id} for row in rows)
        log.info("hubspot %s: %d rows", stream.name, len(changes.rows))
        return changes

    def contacts(self) -> pd.DataFrame:
        """Every contact, in full, with its company's industry."""
        companies = company_frame(self.pull(COMPANIES, EVERYTHING).rows, "companies")
        contacts = contact_frame(self.pull(CONTACTS, EVERYTHING).rows, "contacts")
        return resolve_contacts(contacts, companies)

    def activities(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Every activity of ``contacts``, in full."""
        rows = [row for stream in STREAMS for row in self.pull(stream, EVERYTHING).rows]
        return resolve_activities(activity_frame(rows, "all"), contacts)

    def open_actions(self, contacts: pd.DataFrame) -> pd.DataFrame:
        """Empathy tasks not yet completed: the guard against piling up actions.

        Always listed in full (they are few, and one completed since the last run must vanish).
        """
        ids = dict(zip(contacts["source_id"], contacts["contact_key"], strict=True))
        key = self.settings.key_property
        rows = []
        for task in self.objects("tasks", (key, "hs_task_status"), associations=["contacts"]):
            p = task.properties
            if not p.get(key) or p.get("hs_task_status") == "COMPLETED":
                continue
            cid = _first_contact(task)
            if cid is not None:
                rows.append({"contact_key": ids.get(cid), "source": SOURCE,
                             "action_key": p[key], "task_id": task.id})
        return pd.DataFrame(rows, columns=["contact_key", "source", "action_key", "task_id"])
