"""Reading HubSpot objects from the store and printing them as the CRM v3 API does.

An object is ``{"id", "properties", "createdAt", "updatedAt", "archived"}`` plus, on request,
``propertiesWithHistory`` and ``associations``. Property values are strings or null.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.hubspot.errors import HsError, not_found
from empathy_sandbox.server.store import Store

HS_FMT = "%Y-%m-%dT%H:%M:%S.{ms}Z"


def now_iso() -> str:
    """The current UTC time as HubSpot prints it (milliseconds, ``Z``)."""
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def column_sql(name: str) -> str:
    """The SQL expression of a property: a computed one, or its own column."""
    return H.COMPUTED.get(name, f'"{name}"')


def known_properties(store: Store, t: H.ObjectType) -> set[str]:
    return set(H.COMPUTED) | store.hs_columns(t)


def resolve_type(name: str) -> H.ObjectType:
    t = H.object_type(name)
    if t is None:
        raise HsError(400, f"Unable to infer object type from: {name}", "VALIDATION_ERROR")
    return t


def split_list(values: list[str] | None) -> list[str]:
    """Accept ``?p=a&p=b`` and ``?p=a,b`` alike."""
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def fetch(store: Store, t: H.ObjectType, where: str, params: list, properties: list[str],
          order: str = "id", limit: int | None = None, offset: int = 0) -> list[dict]:
    """Rows of ``t`` as dicts of the requested (known) properties plus the fixed columns."""
    props = [p for p in dict.fromkeys(properties) if p in known_properties(store, t)]
    cols = ["id", "archived", "created_at", "updated_at"] + [column_sql(p) for p in props]
    sql = f"SELECT {', '.join(cols)} FROM {t.table} WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = []
    for row in store.conn.execute(sql, params):
        rows.append({"id": row[0], "archived": bool(row[1]), "created_at": row[2],
                     "updated_at": row[3], "properties": dict(zip(props, row[4:], strict=True))})
    return rows


ALWAYS = {"contacts": ("createdate", "hs_object_id", "lastmodifieddate")}


def requested_properties(t: H.ObjectType, requested: list[str]) -> list[str]:
    """What a read returns: the defaults, or the requested ones plus the id and timestamps
    (unknown names are dropped later)."""
    if not requested:
        return list(t.default_properties)
    return list(requested) + list(ALWAYS.get(t.name, H.ENGAGEMENT_DEFAULTS))


def to_json(t: H.ObjectType, row: dict, history: dict | None = None,
            associations: dict | None = None) -> dict:
    """One object as ``SimplePublicObject[WithAssociations]``."""
    props = {k: (None if v is None else str(v)) for k, v in row["properties"].items()}
    out = {"id": str(row["id"]), "properties": props, "createdAt": row["created_at"],
           "updatedAt": row["updated_at"], "archived": row["archived"]}
    if row["archived"]:
        out["archivedAt"] = row["updated_at"]
    if history is not None:
        out["propertiesWithHistory"] = history
    if associations:
        out["associations"] = associations
    return out


def histories(store: Store, t: H.ObjectType, rows: list[dict], names: list[str]) -> dict:
    """object id -> {property: [{value, timestamp, sourceType}] newest first}."""
    names = [n for n in names if n in known_properties(store, t)]
    if not rows or not names:
        return {}
    ids = [r["id"] for r in rows]
    found: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for chunk in _chunks(ids, 900):
        marks = ",".join("?" * len(chunk))
        name_marks = ",".join("?" * len(names))
        for oid, prop, value, ts, source in store.conn.execute(
            f"SELECT object_id, property, value, ts, source FROM hs_history WHERE object_type = "
            f"? AND object_id IN ({marks}) AND property IN ({name_marks}) ORDER BY ts DESC, "
            f"rowid DESC", [t.name, *chunk, *names],
        ):
            found[oid][prop].append({"value": value, "timestamp": ts, "sourceType": source})
    out = {}
    extra = fetch(store, t, f"id IN ({','.join('?' * len(ids))})", ids, names) if any(
        n not in found.get(i, {}) for i in ids for n in names) else []
    current = {r["id"]: r for r in extra}
    for oid in ids:
        per = {}
        for n in names:
            if found.get(oid, {}).get(n):
                per[n] = found[oid][n]
            elif oid in current and current[oid]["properties"].get(n) is not None:
                # never changed since creation: one version, as HubSpot shows it
                per[n] = [{"value": str(current[oid]["properties"][n]),
                           "timestamp": current[oid]["created_at"], "sourceType": "CRM_UI"}]
            else:
                per[n] = []
        out[oid] = per
    return out


def associated(store: Store, from_t: H.ObjectType, ids: list[int], to_t: H.ObjectType
               ) -> dict[int, list[tuple[int, int]]]:
    """object id -> [(associated id, association type id)] in association order."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for chunk in _chunks(ids, 900):
        marks = ",".join("?" * len(chunk))
        for fid, tid, type_id in store.conn.execute(
            f"SELECT from_id, to_id, type_id FROM hs_assoc WHERE from_type = ? AND from_id IN "
            f"({marks}) AND to_type = ? ORDER BY from_id, to_id", [from_t.singular, *chunk,
                                                                    to_t.singular],
        ):
            out[fid].append((tid, type_id))
    return out


def v3_associations(store: Store, t: H.ObjectType, rows: list[dict], names: list[str]
                    ) -> dict[int, dict]:
    """object id -> the v3 ``associations`` member for the requested types."""
    out: dict[int, dict] = defaultdict(dict)
    ids = [r["id"] for r in rows]
    for name in names:
        to_t = resolve_type(name)
        label = H.association_label(t.singular, to_t.singular)
        for oid, links in associated(store, t, ids, to_t).items():
            out[oid][name] = {"results": [{"id": str(tid), "type": label} for tid, _ in links]}
    return out


def exists(store: Store, t: H.ObjectType, object_id: int) -> bool:
    return store.conn.execute(f"SELECT 1 FROM {t.table} WHERE id = ? AND archived = 0",
                              (object_id,)).fetchone() is not None


def is_unique_key(store: Store, t: H.ObjectType, name: str) -> bool:
    """Whether ``name`` identifies one object: ``hasUniqueValue`` or a natural key."""
    prop = store.hs_properties(t).get(name)
    return prop is not None and (prop.has_unique_value or name in H.NATURAL_KEYS.get(t.name, ()))


def lookup_id(store: Store, t: H.ObjectType, value: str, id_property: str | None) -> int:
    """The object id that ``value`` names: an id, or a unique property's value."""
    if id_property and id_property != "hs_object_id":
        if not is_unique_key(store, t, id_property):
            raise HsError(400, f"{id_property} is not a unique identifier property of {t.name}",
                          "VALIDATION_ERROR")
        row = store.conn.execute(
            f'SELECT id FROM {t.table} WHERE "{id_property}" = ? COLLATE NOCASE', (value,)
        ).fetchone()
        if row is None:
            raise not_found()
        return row[0]
    oid = parse_id(value)
    if oid is None:
        raise not_found("Object not found.  objectId are usually numeric.")
    return oid


def parse_id(value) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
