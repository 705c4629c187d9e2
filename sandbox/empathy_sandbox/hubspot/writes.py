"""Creating and updating HubSpot objects and properties, with HubSpot's validation rules."""

from __future__ import annotations

import datetime as dt

from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.hubspot.errors import HsError, PropertyError, validation_error
from empathy_sandbox.hubspot.records import exists, now_iso, parse_id, resolve_type
from empathy_sandbox.server.store import Store

API_ID_BASE = 500_000_000
READ_ONLY = {"hs_object_id", "lastmodifieddate", "hs_lastmodifieddate"}
PROPERTY_TYPES = {"string": "text", "number": "number", "date": "date", "datetime": "date",
                  "enumeration": "select", "bool": "booleancheckbox"}
DEFAULTS = {"tasks": {"hs_task_status": "NOT_STARTED"}}


def clean_properties(store: Store, t: H.ObjectType, values: dict, creating: bool) -> dict:
    """Validated, normalised property values; raises one VALIDATION_ERROR listing all problems."""
    if not isinstance(values, dict):
        raise HsError(400, "properties must be an object", "VALIDATION_ERROR")
    defs = store.hs_properties(t)
    problems: list[PropertyError] = []
    out: dict = {}
    for name, raw in values.items():
        prop = defs.get(name)
        if prop is None:
            problems.append(PropertyError(name, "PROPERTY_DOESNT_EXIST",
                                          f'Property "{name}" does not exist'))
            continue
        if name in READ_ONLY:
            problems.append(PropertyError(name, "READ_ONLY_VALUE", f'"{name}" is a read only '
                                          "property; its value cannot be set."))
            continue
        try:
            out[name] = _normalise(store, prop, raw)
        except PropertyError as exc:
            problems.append(exc)
    if creating:
        for name, value in DEFAULTS.get(t.name, {}).items():
            out.setdefault(name, value)
        for name in H.REQUIRED_ON_CREATE.get(t.name, ()):
            if out.get(name) in (None, ""):
                problems.append(PropertyError(name, "REQUIRED_PROPERTY",
                                              f"{name} is required"))
    if problems:
        raise validation_error(problems)
    return out


def _normalise(store: Store, prop: H.Property, raw):
    if raw is None or raw == "":
        return None
    text = str(raw).strip() if not isinstance(raw, bool) else str(raw).lower()
    if prop.type == "number":
        try:
            float(text)
        except ValueError:
            raise PropertyError(prop.name, "INVALID_DECIMAL",
                                f'"{text}" is not a valid number') from None
        return text
    if prop.type in ("datetime", "date"):
        value = parse_hs_datetime(text)
        if value is None:
            raise PropertyError(prop.name, "INVALID_DATE",
                                f'"{text}" is not a valid date/time (epoch milliseconds or ISO)')
        return value
    if prop.name == "hubspot_owner_id":
        oid = parse_id(text)
        row = store.conn.execute("SELECT 1 FROM hs_owners WHERE id = ?", (oid,)).fetchone() \
            if oid is not None else None
        if row is None:
            raise PropertyError(prop.name, "INVALID_OWNER_ID",
                                f"{text} is not a valid owner id")
        return text
    if prop.type in ("enumeration", "bool") and prop.options and text not in prop.options:
        raise PropertyError(prop.name, "INVALID_OPTION", f'"{text}" was not one of the allowed '
                            f"options: [{', '.join(prop.options)}]")
    if len(text) > 65536:
        raise PropertyError(prop.name, "INVALID_LONG_STRING", "value longer than 65536 chars")
    return text


def parse_hs_datetime(text: str) -> str | None:
    """Epoch milliseconds, a date or an ISO datetime -> ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    try:
        if text.lstrip("-").isdigit():
            value = dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
        else:
            t = text[:-1] + "+00:00" if text.endswith("Z") else text
            value = dt.datetime.fromisoformat(t)
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def check_unique(store: Store, t: H.ObjectType, values: dict, own_id: int | None = None) -> None:
    """Unique-value properties may not repeat (HubSpot answers 409 CONFLICT)."""
    for name in H.NATURAL_KEYS.get(t.name, ()):
        if values.get(name) is not None:
            row = store.conn.execute(f'SELECT id FROM {t.table} WHERE "{name}" = ? COLLATE '
                                     "NOCASE AND id IS NOT ?", (values[name], own_id)).fetchone()
            if row:
                raise HsError(409, f"{t.singular.title()} already exists. Existing ID: {row[0]}",
                              "CONFLICT")
    for name, prop in store.hs_properties(t).items():
        if prop.has_unique_value and values.get(name) is not None:
            row = store.conn.execute(f'SELECT id FROM {t.table} WHERE "{name}" = ? AND id IS NOT '
                                     "?", (values[name], own_id)).fetchone()
            if row:
                raise HsError(409, f"A {t.singular} with {name} '{values[name]}' already "
                              f"exists. Existing ID: {row[0]}", "CONFLICT")


def insert(store: Store, t: H.ObjectType, values: dict) -> int:
    """Insert a validated object; returns its id."""
    check_unique(store, t, values)
    # API-created objects number from API_ID_BASE, apart from the seeded history (see advance).
    new_id = API_ID_BASE + store.next_sequence(f"api:hs:{t.name}")
    stamp = now_iso()
    cols = ["id", "created_at", "updated_at", "_source", *values]
    names = ", ".join(f'"{c}"' for c in cols)
    store.conn.execute(f"INSERT INTO {t.table} ({names}) VALUES ({', '.join('?' * len(cols))})",
                       [new_id, stamp, stamp, "api", *values.values()])
    _record_history(store, t, new_id, values, stamp)
    return new_id


def update(store: Store, t: H.ObjectType, object_id: int, values: dict) -> None:
    if not exists(store, t, object_id):
        raise HsError(404, "resource not found", "OBJECT_NOT_FOUND")
    check_unique(store, t, values, own_id=object_id)
    stamp = now_iso()
    if values:
        sets = ", ".join(f'"{k}" = ?' for k in values)
        store.conn.execute(f"UPDATE {t.table} SET {sets}, updated_at = ? WHERE id = ?",
                           [*values.values(), stamp, object_id])
    _record_history(store, t, object_id, values, stamp)


def archive(store: Store, t: H.ObjectType, object_ids: list[int]) -> None:
    """Move objects to the recycle bin (``archived``); archiving twice changes nothing."""
    stamp = now_iso()
    store.conn.executemany(f"UPDATE {t.table} SET archived = 1, updated_at = ? WHERE id = ? "
                           "AND archived = 0", [(stamp, oid) for oid in object_ids])


def _record_history(store: Store, t: H.ObjectType, object_id: int, values: dict, ts: str
                    ) -> None:
    store.conn.executemany(
        "INSERT INTO hs_history VALUES (?, ?, ?, ?, ?, ?)",
        [(t.name, object_id, k, v, ts, "INTEGRATION") for k, v in values.items()
         if v is not None])


def associate(store: Store, from_t: H.ObjectType, from_id: int, to_t: H.ObjectType, to_id: int,
              type_id: int | None = None) -> None:
    """Link two objects (both directions), checking the type id fits the pair."""
    expected = H.ASSOCIATION_TYPES.get((from_t.singular, to_t.singular))
    if expected is None:
        raise HsError(400, f"{from_t.singular} to {to_t.singular} associations are not "
                      "supported", "VALIDATION_ERROR")
    if type_id is not None and int(type_id) != expected:
        raise HsError(400, f"associationTypeId {type_id} is not valid for {from_t.singular} to "
                      f"{to_t.singular} (expected {expected})", "VALIDATION_ERROR")
    if not exists(store, to_t, to_id):
        raise HsError(400, f"{to_t.singular} {to_id} does not exist; associations need an "
                      "existing object", "VALIDATION_ERROR")
    back = H.ASSOCIATION_TYPES[(to_t.singular, from_t.singular)]
    store.conn.executemany("INSERT OR IGNORE INTO hs_assoc VALUES (?, ?, ?, ?, ?)", [
        (from_t.singular, from_id, to_t.singular, to_id, expected),
        (to_t.singular, to_id, from_t.singular, from_id, back),
    ])


def unassociate(store: Store, from_t: H.ObjectType, from_id: int, to_t: H.ObjectType,
                to_id: int) -> None:
    """Remove every association between two objects, in both directions."""
    store.conn.executemany(
        "DELETE FROM hs_assoc WHERE from_type = ? AND from_id = ? AND to_type = ? AND to_id = ?",
        [(from_t.singular, from_id, to_t.singular, to_id),
         (to_t.singular, to_id, from_t.singular, from_id)])


def associate_inputs(store: Store, t: H.ObjectType, object_id: int, associations) -> None:
    """The ``associations`` member of a create input: ``[{to: {id}, types: [...]}]``."""
    for assoc in associations or []:
        to_id = parse_id((assoc.get("to") or {}).get("id", ""))
        types = assoc.get("types") or []
        if to_id is None or not types:
            raise HsError(400, "Each association needs to.id and types", "VALIDATION_ERROR")
        for spec in types:
            type_id = spec.get("associationTypeId")
            to_t = _target_for_type(t, type_id)
            associate(store, t, object_id, to_t, to_id, type_id)


def _target_for_type(t: H.ObjectType, type_id) -> H.ObjectType:
    for (a, b), tid in H.ASSOCIATION_TYPES.items():
        if a == t.singular and str(tid) == str(type_id):
            return resolve_type(b)
    raise HsError(400, f"associationTypeId {type_id} is not a valid association from "
                  f"{t.singular}", "VALIDATION_ERROR")


def create_property(store: Store, t: H.ObjectType, spec: dict) -> H.Property:
    """``POST /crm/v3/properties/{objectType}``."""
    name = str(spec.get("name", ""))
    ptype = spec.get("type")
    problems = []
    if not H.PROPERTY_NAME_RE.match(name):
        problems.append("name must be lower case letters, digits and underscores")
    if ptype not in PROPERTY_TYPES:
        problems.append(f"type must be one of {sorted(PROPERTY_TYPES)}")
    for required in ("label", "groupName", "fieldType"):
        if not spec.get(required):
            problems.append(f"{required} is required")
    unique = bool(spec.get("hasUniqueValue", False))
    if unique and ptype not in ("string", "number"):
        problems.append("hasUniqueValue is only allowed on string and number properties")
    if problems:
        raise HsError(400, "Invalid input JSON on line 1: " + "; ".join(problems),
                      "VALIDATION_ERROR")
    if name in store.hs_properties(t):
        raise HsError(409, f"Property named '{name}' already exists.", "OBJECT_ALREADY_EXISTS")
    options = tuple(str(o.get("value")) for o in spec.get("options") or [])
    prop = H.Property(name, ptype, spec["fieldType"], options, unique, spec["label"],
                      hubspot_defined=False)
    store.add_hs_property(t, prop)
    return prop
