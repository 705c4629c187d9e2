"""Creating, updating, upserting and deleting Salesforce records, with Salesforce's validation.

Each check raises :class:`SfRecordError` with the ``statusCode`` Salesforce uses; the REST layer
turns it into a 400 list body for single-record calls or a per-record error inside an sObject
Collections result.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from empathy_sandbox.salesforce import schema as S
from empathy_sandbox.salesforce.ids import make_id, normalize_id
from empathy_sandbox.salesforce.query import format_datetime, parse_datetime, record_json
from empathy_sandbox.server.store import Store

API_ID_BASE = 5_000_000_000


class SfRecordError(Exception):
    """A record Salesforce would refuse; ``code`` is its statusCode / errorCode."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or []

    def as_item(self) -> dict:
        """The error inside a collection result (``statusCode``)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def as_body(self) -> list[dict]:
        """The top-level error body of a single-record call (``errorCode``)."""
        body = {"message": self.message, "errorCode": self.code}
        if self.fields:
            body["fields"] = self.fields
        return [body]


@dataclass
class Saved:
    """The outcome of one write."""

    id: str
    created: bool


def writable_object(name: str) -> S.SObject:
    obj = S.sobject(name)
    if obj is None:
        raise SfRecordError("NOT_FOUND", "The requested resource does not exist")
    if obj.queryable_only:
        raise SfRecordError("INVALID_TYPE", f"entity type {obj.name} does not support this "
                                            "operation")
    return obj


def create(store: Store, obj: S.SObject, body: dict) -> Saved:
    """Insert one record; returns its new id."""
    values = _validated(store, obj, body, creating=True)
    _apply_defaults(store, obj, values)
    # Records created through the API number from API_ID_BASE, apart from seeded ones, so a
    # re-seed of the simulated history (``/_admin/advance``) never collides with them.
    values["Id"] = make_id(obj.prefix, API_ID_BASE + store.next_sequence(f"api:{obj.name}"))
    now = format_datetime(dt.datetime.now(dt.UTC))
    values.update(CreatedDate=now, LastModifiedDate=now, SystemModstamp=now, IsDeleted=0,
                  _source="api")
    _derive(obj, values)
    _check_unique(store, obj, values)
    _insert(store.conn, obj, values)
    return Saved(values["Id"], True)


def update(store: Store, obj: S.SObject, record_id: str, body: dict) -> Saved:
    """Update the fields in ``body`` of an existing record."""
    current = get(store, obj, record_id)
    if current is None:
        raise SfRecordError("ENTITY_IS_DELETED" if _deleted(store, obj, record_id) else
                            "NOT_FOUND", "The requested resource does not exist")
    values = _validated(store, obj, body, creating=False)
    merged = {**current, **values}
    merged["LastModifiedDate"] = merged["SystemModstamp"] = format_datetime(
        dt.datetime.now(dt.UTC))
    _derive(obj, merged)
    changed = {k: merged[k] for k in merged if k != "Id" and merged[k] != current.get(k)}
    _check_unique(store, obj, changed, own_id=current["Id"])
    if changed:
        cols = ", ".join(f'"{k}" = ?' for k in changed)
        store.conn.execute(f'UPDATE "{obj.name}" SET {cols} WHERE Id = ?',
                           [*changed.values(), current["Id"]])
    return Saved(current["Id"], False)


def upsert(store: Store, obj: S.SObject, field_name: str, key: str, body: dict) -> Saved:
    """Create or update the record whose external-ID field ``field_name`` equals ``key``."""
    f = external_id_field(obj, field_name)
    in_body = next((v for k, v in body.items() if k.lower() == f.name.lower()), None)
    if in_body is not None and str(in_body) != key:
        raise SfRecordError("INVALID_FIELD", f"The value of the external ID field {f.name} in "
                                             "the record does not match the URL", [f.name])
    matches = find_by_external_id(store, obj, f, key)
    if len(matches) > 1:
        raise MultipleMatches(matches)
    fields = {k: v for k, v in body.items() if k.lower() != f.name.lower()}
    if matches:
        return update(store, obj, matches[0], fields)
    return create(store, obj, {**fields, f.name: key})


class MultipleMatches(Exception):
    """More than one record has the external id (HTTP 300)."""

    def __init__(self, ids: list[str]):
        super().__init__(f"{len(ids)} records match")
        self.ids = ids


def external_id_field(obj: S.SObject, field_name: str) -> S.Field:
    f = obj.field_named(field_name)
    if f is None or not (f.external_id or f.name == "Id"):
        raise SfRecordError("NOT_FOUND", "Provided external ID field does not exist or is not "
                                         f"accessible: {field_name}")
    return f


def find_by_external_id(store: Store, obj: S.SObject, f: S.Field, key: str) -> list[str]:
    rows = store.conn.execute(
        f'SELECT Id FROM "{obj.name}" WHERE "{f.name}" = ? COLLATE NOCASE AND IsDeleted = 0',
        (key,)).fetchall()
    return [r[0] for r in rows]


def delete(store: Store, obj: S.SObject, record_id: str) -> None:
    """Soft-delete (queryAll still returns it with IsDeleted = true)."""
    if get(store, obj, record_id) is None:
        raise SfRecordError("ENTITY_IS_DELETED" if _deleted(store, obj, record_id) else
                            "NOT_FOUND", "The requested resource does not exist")
    now = format_datetime(dt.datetime.now(dt.UTC))
    store.conn.execute(f'UPDATE "{obj.name}" SET IsDeleted = 1, SystemModstamp = ? '
                       f"WHERE Id = ?", (now, normalize_id(record_id)))


def get(store: Store, obj: S.SObject, record_id: str) -> dict | None:
    """The stored values of a live record, or None."""
    rid = normalize_id(record_id)
    if rid is None:
        return None
    cur = store.conn.execute(f'SELECT * FROM "{obj.name}" WHERE Id = ? AND IsDeleted = 0',
                             (rid,))
    row = cur.fetchone()
    if row is None:
        return None
    return {d[0]: v for d, v in zip(cur.description, row, strict=True) if d[0] != "_source"}


def get_json(store: Store, obj: S.SObject, record_id: str, version: str,
             fields: list[str] | None = None) -> dict | None:
    values = get(store, obj, record_id)
    if values is None:
        return None
    record = record_json(obj, values, version)
    if fields:
        keep = {"attributes"} | {obj.field_named(f).name for f in fields if obj.field_named(f)}
        record = {k: v for k, v in record.items() if k in keep}
    return record


# -- validation ----------------------------------------------------------------------------------


def _validated(store: Store, obj: S.SObject, body: dict, creating: bool) -> dict:
    if not isinstance(body, dict):
        raise SfRecordError("JSON_PARSER_ERROR", "Expected a JSON object for the record")
    values: dict = {}
    for key, raw in body.items():
        if key == "attributes":
            continue
        f = obj.field_named(key)
        if f is None:
            raise SfRecordError("INVALID_FIELD", f"No such column '{key}' on sobject of type "
                                                 f"{obj.name}", [key])
        allowed = f.createable if creating else f.updateable
        if not allowed:
            verb = "create" if creating else "update"
            raise SfRecordError("INVALID_FIELD_FOR_INSERT_UPDATE",
                                f"Unable to {verb} fields: {f.name}. Please check the security "
                                "settings of this field and verify that it is read/write for "
                                "your profile or permission set.", [f.name])
        values[f.name] = _coerce(store, obj, f, raw)
    if creating:
        missing = [f.name for f in obj.fields.values()
                   if not f.nillable and f.createable and f.default is None
                   and values.get(f.name) in (None, "")]
        if missing:
            raise SfRecordError("REQUIRED_FIELD_MISSING",
                                f"Required fields are missing: [{', '.join(missing)}]", missing)
    else:
        nulled = [k for k, v in values.items() if v is None and not obj.fields[k].nillable]
        if nulled:
            raise SfRecordError("REQUIRED_FIELD_MISSING",
                                f"Required fields are missing: [{', '.join(nulled)}]", nulled)
    return values


def _coerce(store: Store, obj: S.SObject, f: S.Field, raw):
    if raw is None or raw == "":  # Salesforce stores an empty string as null
        return None
    if f.type == S.BOOLEAN:
        if not isinstance(raw, bool):
            raise _json_error(f, raw, "boolean")
        return int(raw)
    if f.type in S.NUMBER_TYPES:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            try:
                raw = float(raw)
            except (TypeError, ValueError):
                raise _json_error(f, raw, "double") from None
        return int(raw) if f.type == S.INT else float(raw)
    if f.type == S.DATE:
        try:
            return dt.date.fromisoformat(str(raw)[:10]).isoformat()
        except ValueError:
            raise _json_error(f, raw, "date") from None
    if f.type == S.DATETIME:
        try:
            return format_datetime(parse_datetime(str(raw)))
        except ValueError:
            raise _json_error(f, raw, "datetime") from None
    text = str(raw) if not isinstance(raw, str) else raw
    if f.type == S.REFERENCE:
        return _reference(store, obj, f, text)
    if f.picklist and text not in f.picklist:
        raise SfRecordError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                            f"{f.name}: bad value for restricted picklist field: {text}", [f.name])
    if f.length and len(text) > f.length:
        raise SfRecordError("STRING_TOO_LONG", f"{f.name}: data value too large: "
                                               f"{text[:40]} (max length={f.length})", [f.name])
    return text


def _reference(store: Store, obj: S.SObject, f: S.Field, text: str) -> str:
    rid = normalize_id(text)
    target = S.OBJECTS[f.reference_to]
    label = f.name[:-2] if f.name.endswith("Id") else f.name
    if rid is None or rid[:3] != target.prefix:
        raise SfRecordError("MALFORMED_ID", f"{label} ID: id value of incorrect type: {text}",
                            [f.name])
    exists = store.conn.execute(f'SELECT 1 FROM "{target.name}" WHERE Id = ? AND IsDeleted = 0',
                                (rid,)).fetchone()
    if not exists:
        raise SfRecordError("INVALID_CROSS_REFERENCE_KEY",
                            f"invalid cross reference id: {text}", [f.name])
    return rid


def _json_error(f: S.Field, raw, wanted: str) -> SfRecordError:
    return SfRecordError("JSON_PARSER_ERROR", f"Cannot deserialize instance of {wanted} from "
                                              f"VALUE_STRING value {raw!s} for field {f.name}",
                         [f.name])


def _apply_defaults(store: Store, obj: S.SObject, values: dict) -> None:
    for f in obj.fields.values():
        if f.createable and values.get(f.name) is None and f.default is not None:
            values[f.name] = int(f.default) if f.type == S.BOOLEAN else f.default
    if "OwnerId" in obj.fields and values.get("OwnerId") is None:
        # Like Salesforce, the record belongs to the API user: the first user in the org.
        row = store.conn.execute('SELECT Id FROM "User" ORDER BY rowid LIMIT 1').fetchone()
        values["OwnerId"] = row[0] if row else None
    if obj.name == "Case":
        values["CaseNumber"] = f"{store.next_sequence('CaseNumber:api') + 90_000_000:08d}"


def _derive(obj: S.SObject, values: dict) -> None:
    """Read-only fields computed from the others, as Salesforce does on save."""
    if obj.name == "Task":
        values["IsClosed"] = int(values.get("Status") == "Completed")
    elif obj.name == "Case":
        closed = values.get("Status") == "Closed"
        values["IsClosed"] = int(closed)
        if closed and not values.get("ClosedDate"):
            values["ClosedDate"] = values.get("LastModifiedDate") or values.get("CreatedDate")
    elif obj.name == "Opportunity":
        stage = values.get("StageName") or ""
        values["IsClosed"] = int(stage.startswith("Closed"))
        values["IsWon"] = int(stage == "Closed Won")
    elif obj.name == "Contact":
        values["Name"] = " ".join(v for v in (values.get("FirstName"), values.get("LastName"))
                                  if v)


def _check_unique(store: Store, obj: S.SObject, values: dict, own_id: str | None = None) -> None:
    for f in obj.fields.values():
        if f.unique and values.get(f.name) is not None:
            row = store.conn.execute(
                f'SELECT Id FROM "{obj.name}" WHERE "{f.name}" = ? COLLATE NOCASE AND Id IS NOT ?',
                (values[f.name], own_id)).fetchone()
            if row:
                raise SfRecordError("DUPLICATE_VALUE", f"duplicate value found: {f.name} "
                                    f"duplicates value on record with id: {row[0]}", [f.name])


def _deleted(store: Store, obj: S.SObject, record_id: str) -> bool:
    rid = normalize_id(record_id)
    return rid is not None and store.conn.execute(
        f'SELECT 1 FROM "{obj.name}" WHERE Id = ? AND IsDeleted = 1', (rid,)).fetchone() is not None


def _insert(conn: sqlite3.Connection, obj: S.SObject, values: dict) -> None:
    cols = list(values)
    names = ", ".join(f'"{c}"' for c in cols)
    conn.execute(f'INSERT INTO "{obj.name}" ({names}) VALUES ({", ".join("?" * len(cols))})',
                 [values[c] for c in cols])
