"""The Salesforce objects the sandbox serves: fields, types, relationships and id prefixes.

One table per object in SQLite, one column per field. Values are stored the way the REST API
prints them (datetimes as ``YYYY-MM-DDTHH:MM:SS.000+0000``, dates as ``YYYY-MM-DD``), so
comparisons in SQL order them correctly as text. Booleans are stored as 0/1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Field types, as describe() names them.
ID, REFERENCE, STRING, TEXTAREA, EMAIL = "id", "reference", "string", "textarea", "email"
BOOLEAN, DATE, DATETIME, DOUBLE, CURRENCY, INT = (
    "boolean", "date", "datetime", "double", "currency", "int",
)
PICKLIST, COMBOBOX = "picklist", "combobox"
TEXT_TYPES = {ID, REFERENCE, STRING, TEXTAREA, EMAIL, PICKLIST, COMBOBOX}
NUMBER_TYPES = {DOUBLE, CURRENCY, INT}


@dataclass(frozen=True)
class Field:
    """One field of an sObject; flags follow describe() names."""

    name: str
    type: str
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    picklist: tuple[str, ...] = ()
    reference_to: str | None = None
    external_id: bool = False
    unique: bool = False
    default: object = None


@dataclass(frozen=True)
class SObject:
    """An sObject type with its key prefix, fields and parent relationships."""

    name: str
    prefix: str
    fields: dict[str, Field]
    relationships: dict[str, str] = field(default_factory=dict)  # "Owner" -> "OwnerId"
    queryable_only: bool = False  # read-only objects (User, CaseHistory ...)

    def field_named(self, name: str) -> Field | None:
        """Case-insensitive lookup, as SOQL and the REST API do."""
        return self._lower().get(name.lower())

    def relationship_named(self, name: str) -> tuple[str, Field] | None:
        """Return (relationship name, reference field) for a case-insensitive name."""
        for rel, fk in self.relationships.items():
            if rel.lower() == name.lower():
                return rel, self.fields[fk]
        return None

    def _lower(self) -> dict[str, Field]:
        cache = self.__dict__.get("_lower_cache")
        if cache is None:
            cache = {k.lower(): v for k, v in self.fields.items()}
            object.__setattr__(self, "_lower_cache", cache)
        return cache


def _f(name, type_, **kw) -> Field:
    return Field(name, type_, **kw)


def _system_fields() -> list[Field]:
    ro = {"createable": False, "updateable": False}
    return [
        _f("Id", ID, length=18, nillable=False, **ro),
        _f("IsDeleted", BOOLEAN, nillable=False, default=False, **ro),
        _f("CreatedDate", DATETIME, **ro),
        _f("LastModifiedDate", DATETIME, **ro),
        _f("SystemModstamp", DATETIME, **ro),
    ]


def _obj(name, prefix, fields, relationships=None, queryable_only=False) -> SObject:
    all_fields = {f.name: f for f in [*_system_fields(), *fields]}
    return SObject(name, prefix, all_fields, relationships or {}, queryable_only)


def _ref(name, target, **kw) -> Field:
    return _f(name, REFERENCE, length=18, reference_to=target, **kw)


TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
TASK_PRIORITIES = ("High", "Normal", "Low")
TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")
CASE_STATUSES = ("New", "Working", "Escalated", "Closed")
CASE_PRIORITIES = ("High", "Medium", "Low")
CASE_ORIGINS = ("Email", "Phone", "Web")
READ_ONLY = {"createable": False, "updateable": False}

OBJECTS: dict[str, SObject] = {
    o.name: o
    for o in [
        _obj(
            "User", "005",
            [
                _f("Email", EMAIL, length=128, **READ_ONLY),
                _f("Name", STRING, length=121, **READ_ONLY),
                _f("FirstName", STRING, length=40, **READ_ONLY),
                _f("LastName", STRING, length=80, **READ_ONLY),
                _f("IsActive", BOOLEAN, **READ_ONLY),
            ],
            queryable_only=True,
        ),
        _obj(
            "Account", "001",
            [
                _f("Name", STRING, length=255, nillable=False),
                _f("Industry", PICKLIST, length=255),
                _ref("OwnerId", "User"),
            ],
            {"Owner": "OwnerId"},
        ),
        _obj(
            "Contact", "003",
            [
                _f("FirstName", STRING, length=40),
                _f("LastName", STRING, length=80, nillable=False),
                _f("Name", STRING, length=121, **READ_ONLY),
                _f("Email", EMAIL, length=80),
                _f("Title", STRING, length=128),
                _ref("AccountId", "Account"),
                _ref("OwnerId", "User"),
                _f("HasOptedOutOfEmail", BOOLEAN, nillable=False, default=False),
            ],
            {"Account": "AccountId", "Owner": "OwnerId"},
        ),
        _obj(
            "Task", "00T",
            [
                _ref("WhoId", "Contact"),
                _ref("WhatId", "Account"),
                _ref("OwnerId", "User"),
                _f("Subject", COMBOBOX, length=255),
                _f("Description", TEXTAREA, length=32000),
                _f("ActivityDate", DATE),
                _f("Status", PICKLIST, length=40, nillable=False, picklist=TASK_STATUSES,
                   default="Not Started"),
                _f("Priority", PICKLIST, length=40, nillable=False, picklist=TASK_PRIORITIES,
                   default="Normal"),
                _f("TaskSubtype", PICKLIST, length=40, picklist=TASK_SUBTYPES, updateable=False,
                   default="Task"),
                _f("CallType", PICKLIST, length=40, picklist=("Inbound", "Outbound", "Internal")),
                _f("IsClosed", BOOLEAN, nillable=False, **READ_ONLY),
                _f("Empathy_Key__c", STRING, length=255, external_id=True, unique=True),
            ],
            {"Who": "WhoId", "What": "WhatId", "Owner": "OwnerId"},
        ),
        _obj(
            "Event", "00U",
            [
                _ref("WhoId", "Contact"),
                _ref("OwnerId", "User"),
                _f("Subject", COMBOBOX, length=255),
                _f("Description", TEXTAREA, length=32000),
                _f("StartDateTime", DATETIME),
                _f("EndDateTime", DATETIME),
                _f("ActivityDateTime", DATETIME),
                _f("DurationInMinutes", INT),
                _f("IsAllDayEvent", BOOLEAN, nillable=False, default=False),
            ],
            {"Who": "WhoId", "Owner": "OwnerId"},
        ),
        _obj(
            "Case", "500",
            [
                _f("CaseNumber", STRING, length=30, **READ_ONLY),
                _ref("ContactId", "Contact"),
                _ref("AccountId", "Account"),
                _ref("OwnerId", "User"),
                _f("Status", PICKLIST, length=40, picklist=CASE_STATUSES, default="New"),
                _f("Priority", PICKLIST, length=40, picklist=CASE_PRIORITIES, default="Medium"),
                _f("Origin", PICKLIST, length=40, picklist=CASE_ORIGINS),
                _f("Subject", STRING, length=255),
                _f("Description", TEXTAREA, length=32000),
                _f("IsEscalated", BOOLEAN, nillable=False, default=False),
                _f("IsClosed", BOOLEAN, nillable=False, **READ_ONLY),
                _f("ClosedDate", DATETIME, **READ_ONLY),
            ],
            {"Contact": "ContactId", "Account": "AccountId", "Owner": "OwnerId"},
        ),
        _obj(
            "CaseHistory", "017",
            [
                _ref("CaseId", "Case", **READ_ONLY),
                _f("Field", PICKLIST, length=255, **READ_ONLY),
                _f("OldValue", STRING, length=255, **READ_ONLY),
                _f("NewValue", STRING, length=255, **READ_ONLY),
            ],
            {"Case": "CaseId"},
            queryable_only=True,
        ),
        _obj(
            "EmailMessage", "02s",
            [
                _ref("ParentId", "Case"),
                _f("Subject", STRING, length=3000),
                _f("TextBody", TEXTAREA, length=32000),
                _f("FromAddress", EMAIL, length=255),
                _f("ToAddress", STRING, length=4000),
                _f("MessageDate", DATETIME),
                _f("Incoming", BOOLEAN, nillable=False, default=False),
                _f("Status", PICKLIST, length=40, picklist=("0", "1", "2", "3", "4", "5"),
                   default="0"),
            ],
            {"Parent": "ParentId"},
        ),
        _obj(
            "Opportunity", "006",
            [
                _f("Name", STRING, length=120, nillable=False),
                _ref("AccountId", "Account"),
                _ref("ContactId", "Contact"),
                _ref("OwnerId", "User"),
                _f("StageName", PICKLIST, length=255, nillable=False,
                   picklist=("Prospecting", "Negotiation/Review", "Closed Won", "Closed Lost")),
                _f("CloseDate", DATE, nillable=False),
                _f("Amount", CURRENCY),
                _f("IsWon", BOOLEAN, nillable=False, **READ_ONLY),
                _f("IsClosed", BOOLEAN, nillable=False, **READ_ONLY),
            ],
            {"Account": "AccountId", "Contact": "ContactId", "Owner": "OwnerId"},
        ),
    ]
}
PREFIX_TO_OBJECT = {o.prefix: o.name for o in OBJECTS.values()}


def sobject(name: str) -> SObject | None:
    """The sObject called ``name`` (case-insensitive), or None."""
    for key, obj in OBJECTS.items():
        if key.lower() == name.lower():
            return obj
    return None


def sql_type(f: Field) -> str:
    """The SQLite column type for a field."""
    if f.type in (BOOLEAN, INT):
        return "INTEGER"
    if f.type in (DOUBLE, CURRENCY):
        return "REAL"
    return "TEXT"
