"""HubSpot: declarative CRM v3 streams into the canonical tables.

Each object type is listed with ``associations=contacts`` (one paged call per 100 records,
no per-record association lookups). The task write-back lives in ``hubspot_sink``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
from hubspot import HubSpot

from empathy import schema

from .canonical import activity, contact_key, frame, join_text
from .retry import ApiBudget, call
from .settings import HubSpotSettings

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
