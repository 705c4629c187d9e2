"""``POST /crm/v3/objects/{type}/search``: filter groups (OR) of filters (AND), one sort, offset
paging that stops at 10,000 results, as HubSpot's search does."""

from __future__ import annotations

import re

from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.hubspot.errors import HsError
from empathy_sandbox.hubspot.records import (
    column_sql,
    fetch,
    known_properties,
    requested_properties,
    resolve_type,
    to_json,
)
from empathy_sandbox.hubspot.writes import parse_hs_datetime
from empathy_sandbox.server.store import Store

MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
_SIMPLE = {"EQ": "=", "NEQ": "!=", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}


def search(store: Store, t: H.ObjectType, body: dict) -> dict:
    """Run one search request; returns the response body."""
    if not isinstance(body, dict):
        raise HsError(400, "Invalid input JSON", "VALIDATION_ERROR")
    limit = int(body.get("limit") or 10)
    if limit > MAX_LIMIT or limit < 1:
        raise HsError(400, f"limit must be between 1 and {MAX_LIMIT}, got {limit}",
                      "VALIDATION_ERROR")
    after = str(body.get("after") or "0")
    if not after.isdigit():
        raise HsError(400, f"after must be a non-negative integer offset, got {after!r}",
                      "VALIDATION_ERROR")
    offset = int(after)
    if offset >= MAX_RESULTS:
        raise HsError(400, f"Cannot page beyond {MAX_RESULTS} results; narrow the filters "
                      "(e.g. on hs_object_id or a date range) instead.", "VALIDATION_ERROR")
    where, params = _where(store, t, body)
    order = _order(store, t, body.get("sorts") or [])
    total = store.conn.execute(f"SELECT COUNT(*) FROM {t.table} WHERE {where}",
                               params).fetchone()[0]
    props = requested_properties(t, list(body.get("properties") or []))
    rows = fetch(store, t, where, params, props, order, limit, offset)
    out = {"total": total, "results": [to_json(t, r) for r in rows]}
    if offset + len(rows) < total:
        out["paging"] = {"next": {"after": str(offset + len(rows))}}
    return out


def _where(store: Store, t: H.ObjectType, body: dict) -> tuple[str, list]:
    groups = body.get("filterGroups") or []
    if len(groups) > MAX_GROUPS:
        raise HsError(400, f"Too many filter groups ({len(groups)}); the limit is {MAX_GROUPS}",
                      "VALIDATION_ERROR")
    total = sum(len(g.get("filters") or []) for g in groups)
    if total > MAX_FILTERS or any(len(g.get("filters") or []) > MAX_FILTERS_PER_GROUP
                                  for g in groups):
        raise HsError(400, f"Too many filters: at most {MAX_FILTERS_PER_GROUP} per group and "
                      f"{MAX_FILTERS} in total", "VALIDATION_ERROR")
    params: list = []
    clauses = ["archived = 0"]
    ors = []
    for g in groups:
        ands = [_filter(store, t, f, params) for f in g.get("filters") or []]
        if ands:
            ors.append("(" + " AND ".join(ands) + ")")
    if ors:
        clauses.append("(" + " OR ".join(ors) + ")")
    query = body.get("query")
    if query:
        text_cols = [column_sql(p) for p in t.default_properties
                     if p in store.hs_columns(t)]
        tokens = [x for x in re.split(r"\s+", str(query).strip()) if x]
        for token in tokens:
            clauses.append("(" + " OR ".join(f"{c} LIKE ?" for c in text_cols) + ")")
            params.extend([f"%{token}%"] * len(text_cols))
    return " AND ".join(clauses), params


def _filter(store: Store, t: H.ObjectType, f: dict, params: list) -> str:
    name = f.get("propertyName") or ""
    op = str(f.get("operator") or "EQ").upper()
    if name.startswith("associations."):
        return _association_filter(t, name, op, f, params)
    if name not in known_properties(store, t):
        raise HsError(400, f"There was a problem with the request: property {name!r} does "
                      f"not exist on {t.name}", "VALIDATION_ERROR",
                      [{"message": f'Property "{name}" does not exist',
                        "code": "PROPERTY_DOESNT_EXIST", "context": {"propertyName": [name]}}])
    prop = store.hs_properties(t).get(name) or H.computed_property(name)
    col = "id" if name == "hs_object_id" else column_sql(name)
    if op == "HAS_PROPERTY":
        return f"{col} IS NOT NULL AND {col} != ''"
    if op == "NOT_HAS_PROPERTY":
        return f"({col} IS NULL OR {col} = '')"
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        params.append(str(f.get("value", "")))
        neg = "NOT " if op.startswith("NOT") else ""
        return f"{neg}hs_contains_token({col}, ?)"
    expr, convert = _typed(prop, col)
    if op in _SIMPLE:
        params.append(convert(f.get("value")))
        if op == "NEQ":
            return f"({expr} != ? OR {col} IS NULL)"
        return f"{expr} {_SIMPLE[op]} ?"
    if op == "BETWEEN":
        params.extend([convert(f.get("value")), convert(f.get("highValue"))])
        return f"{expr} BETWEEN ? AND ?"
    if op in ("IN", "NOT_IN"):
        values = f.get("values") or []
        if not values:
            raise HsError(400, f"{op} needs values", "VALIDATION_ERROR")
        params.extend(convert(v) for v in values)
        neg = "NOT " if op == "NOT_IN" else ""
        return f"{expr} {neg}IN ({', '.join('?' * len(values))})"
    raise HsError(400, f"Unknown operator {op}", "VALIDATION_ERROR")


def _typed(prop: H.Property, col: str):
    """(SQL expression, value converter) so comparisons follow the property's type."""
    if prop.name == "hs_object_id" or prop.type == "number":
        def number(v):
            try:
                return float(v)
            except (TypeError, ValueError):
                raise HsError(400, f"{v!r} is not a number ({prop.name})",
                              "VALIDATION_ERROR") from None
        return (col if col == "id" else f"CAST({col} AS REAL)"), number
    if prop.type in ("datetime", "date"):
        def stamp(v):
            value = parse_hs_datetime(str(v))
            if value is None:
                raise HsError(400, f"{v!r} is not a date ({prop.name}): use epoch "
                              "milliseconds or ISO 8601", "VALIDATION_ERROR")
            return value
        return col, stamp
    return f"{col} COLLATE NOCASE", lambda v: None if v is None else str(v)


def _association_filter(t: H.ObjectType, name: str, op: str, f: dict, params: list) -> str:
    to_t = resolve_type(name.split(".", 1)[1])
    if op not in ("EQ", "IN"):
        raise HsError(400, f"{name} supports EQ and IN only", "VALIDATION_ERROR")
    values = [f.get("value")] if op == "EQ" else list(f.get("values") or [])
    params.extend([t.singular, to_t.singular, *[int(v) for v in values]])
    return (f"id IN (SELECT from_id FROM hs_assoc WHERE from_type = ? AND to_type = ? AND "
            f"to_id IN ({', '.join('?' * len(values))}))")


def _order(store: Store, t: H.ObjectType, sorts: list) -> str:
    if len(sorts) > 1:
        raise HsError(400, "Only one sort is supported", "VALIDATION_ERROR")
    parts = []
    for s in sorts:
        if isinstance(s, str):
            name, desc = s.lstrip("-"), s.startswith("-")
        else:
            name = s.get("propertyName", "")
            desc = str(s.get("direction", "ASCENDING")).upper() == "DESCENDING"
        if name not in known_properties(store, t):
            raise HsError(400, f"Cannot sort on unknown property {name!r}", "VALIDATION_ERROR")
        prop = store.hs_properties(t).get(name) or H.computed_property(name)
        col = "id" if name == "hs_object_id" else column_sql(name)
        expr = _typed(prop, col)[0]
        parts.append(f"{expr} {'DESC' if desc else 'ASC'}")
    return ", ".join([*parts, "id ASC"])
