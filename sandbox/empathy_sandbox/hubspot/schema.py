"""The HubSpot object types the sandbox serves: ids, names, properties and association types.

Properties are stored one column per property (all text, as HubSpot's API prints them). The
object id and the create / modify times are columns of their own and appear under several
property names (``hs_object_id``, ``createdate`` / ``hs_createdate``, ``lastmodifieddate`` /
``hs_lastmodifieddate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROPERTY_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


@dataclass(frozen=True)
class ObjectType:
    """A CRM object type: plural name (used in paths), singular name and type id."""

    name: str
    singular: str
    type_id: str
    default_properties: tuple[str, ...]

    @property
    def table(self) -> str:
        return f"hs_{self.name}"


@dataclass(frozen=True)
class Property:
    """A property definition, in the shape ``/crm/v3/properties`` returns."""

    name: str
    type: str = "string"  # string | number | datetime | date | enumeration | bool
    field_type: str = "text"
    options: tuple[str, ...] = ()
    has_unique_value: bool = False
    label: str = ""
    read_only: bool = False
    calculated: bool = False
    hubspot_defined: bool = True

    def to_json(self, object_type: str) -> dict:
        """The property as HubSpot's properties API prints it."""
        return {
            "name": self.name,
            "label": self.label or self.name.replace("_", " ").title(),
            "type": self.type,
            "fieldType": self.field_type,
            "description": "",
            "groupName": f"{object_type[:-1]}information",
            "options": [
                {"label": o.title(), "value": o, "displayOrder": i, "hidden": False}
                for i, o in enumerate(self.options)
            ],
            "displayOrder": -1,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": False,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": True, "readOnlyDefinition": True, "readOnlyValue": self.read_only,
            },
            "formField": False,
            "createdAt": "2024-01-01T00:00:00Z",
            "updatedAt": "2024-01-01T00:00:00Z",
            "archived": False,
        }


ENGAGEMENT_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
TYPES: tuple[ObjectType, ...] = (
    ObjectType("contacts", "contact", "0-1",
               ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                "lastname")),
    ObjectType("companies", "company", "0-2",
               ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name")),
    ObjectType("deals", "deal", "0-3",
               ("amount", "closedate", "createdate", "dealname", "dealstage",
                "hs_lastmodifieddate", "hs_object_id", "pipeline")),
    ObjectType("tickets", "ticket", "0-5",
               ("content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline",
                "hs_pipeline_stage", "hs_ticket_priority", "subject")),
    ObjectType("tasks", "task", "0-27", ENGAGEMENT_DEFAULTS),
    ObjectType("notes", "note", "0-46", ENGAGEMENT_DEFAULTS),
    ObjectType("meetings", "meeting", "0-47", ENGAGEMENT_DEFAULTS),
    ObjectType("calls", "call", "0-48", ENGAGEMENT_DEFAULTS),
    ObjectType("emails", "email", "0-49", ENGAGEMENT_DEFAULTS),
)
BY_NAME = {t.name: t for t in TYPES}


def object_type(name_or_id: str) -> ObjectType | None:
    """Accept ``tasks``, ``task``, ``TASKS`` or ``0-27``."""
    key = name_or_id.lower()
    for t in TYPES:
        if key in (t.name, t.singular, t.type_id):
            return t
    return None


# Properties computed from the object's own columns rather than stored.
COMPUTED = {
    "hs_object_id": "CAST(id AS TEXT)",
    "createdate": "created_at",
    "hs_createdate": "created_at",
    "lastmodifieddate": "updated_at",
    "hs_lastmodifieddate": "updated_at",
}
COMPUTED_TYPES = {"hs_object_id": "number"}


def _p(name, type_="string", options=(), **kw) -> Property:
    field_type = {"enumeration": "select", "number": "number", "datetime": "date",
                  "date": "date", "bool": "booleancheckbox"}.get(type_, "text")
    if type_ == "enumeration" and set(options) == {"true", "false"}:
        field_type = "booleancheckbox"
    return Property(name, type_, field_type, tuple(options), **kw)


_OWNER = _p("hubspot_owner_id", "enumeration")
_STAMP = _p("hs_timestamp", "datetime")
BUILTIN_PROPERTIES: dict[str, tuple[Property, ...]] = {
    "contacts": (
        _p("email"), _p("firstname"), _p("lastname"), _p("jobtitle"), _OWNER,
        _p("hs_email_optout", "enumeration", ("true", "false")),
        _p("associatedcompanyid", "number"), _p("company"),
        _p("notes_last_contacted", "datetime", read_only=True),
    ),
    "companies": (_p("name"), _p("industry"), _p("domain"), _OWNER),
    "deals": (
        _p("dealname"), _p("amount", "number"), _p("closedate", "datetime"),
        _p("dealstage", "enumeration", ("appointmentscheduled", "closedwon", "closedlost")),
        _p("pipeline", "enumeration", ("default",)), _OWNER,
    ),
    "tickets": (
        _p("subject"), _p("content"), _p("hs_pipeline", "enumeration", ("0",)),
        _p("hs_pipeline_stage", "enumeration", ("1", "2", "3", "4")),
        _p("hs_ticket_priority", "enumeration", ("LOW", "MEDIUM", "HIGH", "URGENT")),
        _p("closed_date", "datetime"), _OWNER,
    ),
    "tasks": (
        _STAMP, _p("hs_task_subject"), _p("hs_task_body"),
        _p("hs_task_status", "enumeration",
           ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")),
        _p("hs_task_priority", "enumeration", ("NONE", "LOW", "MEDIUM", "HIGH")),
        _p("hs_task_type", "enumeration", ("EMAIL", "CALL", "TODO", "LINKED_IN")),
        _p("hs_task_reminders", "number"), _OWNER,
    ),
    "notes": (_STAMP, _p("hs_note_body"), _OWNER),
    "meetings": (
        _STAMP, _p("hs_meeting_title"), _p("hs_meeting_body"),
        _p("hs_meeting_start_time", "datetime"), _p("hs_meeting_end_time", "datetime"),
        _p("hs_meeting_outcome", "enumeration",
           ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")),
        _OWNER,
    ),
    "calls": (
        _STAMP, _p("hs_call_title"), _p("hs_call_body"),
        _p("hs_call_direction", "enumeration", ("INBOUND", "OUTBOUND")),
        _p("hs_call_duration", "number"),
        _p("hs_call_status", "enumeration",
           ("BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED",
            "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING")),
        _OWNER,
    ),
    "emails": (
        _STAMP, _p("hs_email_subject"), _p("hs_email_text"), _p("hs_email_html"),
        _p("hs_email_direction", "enumeration", ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")),
        _p("hs_email_status", "enumeration", ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")),
        _OWNER,
    ),
}
# Unique although their definitions say hasUniqueValue: false (a second contact with an
# existing email is refused with 409 CONFLICT; batch upsert and idProperty may use it).
NATURAL_KEYS = {"contacts": ("email",)}

REQUIRED_ON_CREATE = {t.name: ("hs_timestamp",) for t in TYPES if "hs_timestamp" in
                      {p.name for p in BUILTIN_PROPERTIES[t.name]}}


def computed_property(name: str) -> Property:
    """The definition of a property computed from the object's own columns."""
    return Property(name, COMPUTED_TYPES.get(name, "datetime"), read_only=True, calculated=False)


# HUBSPOT_DEFINED association type ids (hubspot/crm/association_type.py in client 12).
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {}


def _pair(a: str, b: str, a_to_b: int, b_to_a: int) -> None:
    ASSOCIATION_TYPES[(a, b)] = a_to_b
    ASSOCIATION_TYPES[(b, a)] = b_to_a


for _a, _b, _ab, _ba in (
    ("contact", "company", 1, 2), ("deal", "contact", 3, 4), ("deal", "company", 5, 6),
    ("ticket", "contact", 16, 15), ("ticket", "company", 26, 25),
    ("call", "contact", 194, 193), ("email", "contact", 198, 197),
    ("meeting", "contact", 200, 199), ("note", "contact", 202, 201),
    ("task", "contact", 204, 203), ("task", "company", 192, 191), ("task", "deal", 216, 215),
    ("call", "ticket", 220, 219), ("email", "ticket", 224, 223), ("meeting", "ticket", 226, 225),
    ("note", "ticket", 228, 227), ("task", "ticket", 230, 229),
):
    _pair(_a, _b, _ab, _ba)


def association_label(from_singular: str, to_singular: str) -> str:
    """The v3 ``type`` label, e.g. ``task_to_contact``."""
    return f"{from_singular}_to_{to_singular}"
