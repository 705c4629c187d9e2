"""Turn a parsed SOQL query into SQL over the sandbox's tables, and rows into REST records.

Every field is checked against :mod:`sandbox.salesforce_schema`, and every literal against the
field's type, with the error code Salesforce would send. A query is executed once into a list
of row ids (a cursor, like Salesforce's query locator); pages are fetched from that list.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from empathy_sandbox.salesforce import schema as S
from empathy_sandbox.salesforce.ids import normalize_id
from empathy_sandbox.salesforce.soql import BoolOp, Comparison, Literal, Not, Query, SoqlError

SF_DATETIME = "%Y-%m-%dT%H:%M:%S.000+0000"


def format_datetime(value: dt.datetime) -> str:
    """A UTC datetime as the REST API prints it."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{value.microsecond // 1000:03d}+0000"
    )


def parse_datetime(text: str) -> dt.datetime:
    """Parse an ISO datetime (``Z``, ``+0000`` or ``+00:00``) to an aware UTC datetime."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    elif len(t) > 5 and t[-5] in "+-" and t[-4:].isdigit():
        t = t[:-2] + ":" + t[-2:]
    value = dt.datetime.fromisoformat(t)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


@dataclass
class Column:
    """One selected field: where it goes in the nested record and how to read it."""

    path: tuple[str, ...]  # canonical names, e.g. ("Owner", "Email")
    sql: str
    field: S.Field


@dataclass
class Plan:
    """A compiled query: the SQL that lists matching row ids, and how to fetch a page."""

    sobject: S.SObject
    id_sql: str
    params: list
    columns: list[Column]
    joins: dict[str, tuple[str, S.SObject]]  # relationship path -> (alias, object)
    join_sql: str
    count_only: bool


@dataclass
class _Context:
    root: S.SObject
    now: dt.datetime
    joins: dict[str, tuple[str, S.SObject]] = field(default_factory=dict)
    join_clauses: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)


def compile_query(query: Query, include_deleted: bool = False, now: dt.datetime | None = None
                  ) -> Plan:
    """Check ``query`` against the schema and build its SQL."""
    root = S.sobject(query.sobject)
    if root is None:
        raise SoqlError(f"\n{query.sobject}\n^\nERROR at Row:1:Column:1\nsObject type "
                        f"'{query.sobject}' is not supported.", "INVALID_TYPE")
    ctx = _Context(root, now or dt.datetime.now(dt.UTC))
    columns = [_column(ctx, name) for name in query.fields]
    where = ["t.IsDeleted = 0"] if not include_deleted else []
    if query.where is not None:
        where.append(_condition(ctx, query.where))
    order = [_order(ctx, item) for item in query.order_by] + ["t.rowid"]
    join_sql = " ".join(ctx.join_clauses)
    id_sql = f'SELECT t.rowid FROM "{root.name}" t {join_sql}'
    if where:
        id_sql += " WHERE " + " AND ".join(f"({w})" for w in where)
    id_sql += " ORDER BY " + ", ".join(order)
    if query.limit is not None or query.offset is not None:
        id_sql += f" LIMIT {query.limit if query.limit is not None else -1}"
        id_sql += f" OFFSET {query.offset or 0}"
    return Plan(root, id_sql, ctx.params, columns, dict(ctx.joins), join_sql, query.count_only)


def fetch_rows(conn: sqlite3.Connection, plan: Plan, rowids: list[int], version: str
               ) -> list[dict]:
    """The REST records for ``rowids``, in that order."""
    if not rowids:
        return []
    cols = ", ".join([c.sql for c in plan.columns] + [f"{a}.Id" for a, _o in plan.joins.values()])
    marks = ",".join("?" * len(rowids))
    sql = (f'SELECT t.rowid, {cols} FROM "{plan.sobject.name}" t {plan.join_sql} '
           f"WHERE t.rowid IN ({marks})")
    by_rowid = {row[0]: row[1:] for row in conn.execute(sql, rowids)}
    return [_nest(plan, by_rowid[r], version) for r in rowids if r in by_rowid]


def record_json(obj: S.SObject, values: dict, version: str) -> dict:
    """One flat record (field name -> stored value) as the REST API prints it."""
    out = {"attributes": attributes(obj.name, values["Id"], version)}
    for name, f in obj.fields.items():
        out[name] = to_json(f, values.get(name))
    return out


def attributes(sobject: str, record_id: str, version: str) -> dict:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}


def to_json(f: S.Field, value):
    """A stored SQLite value as the JSON value of field ``f``."""
    if value is None:
        return None
    if f.type == S.BOOLEAN:
        return bool(value)
    if f.type == S.INT:
        return int(value)
    if f.type in (S.DOUBLE, S.CURRENCY):
        return float(value)
    return value


# -- helpers -----------------------------------------------------------------------------------


def _nest(plan: Plan, values, version: str) -> dict:
    selected = values[: len(plan.columns)]
    related_ids = dict(zip(plan.joins, values[len(plan.columns):], strict=True))
    record: dict = {}
    for col, value in zip(plan.columns, selected, strict=True):
        _place(plan, record, col.path, to_json(col.field, value), related_ids, version)
    root_id = record.get("Id")
    attrs = attributes(plan.sobject.name, root_id, version) if root_id else {
        "type": plan.sobject.name}
    return {"attributes": attrs, **record}


def _place(plan, record, path, value, related_ids, version) -> None:
    node = record
    for depth in range(len(path) - 1):
        rel, key = path[depth], ".".join(path[: depth + 1])
        if related_ids.get(key) is None:
            node[rel] = None  # the lookup is empty: Salesforce prints null, not an object
            return
        if node.get(rel) is None:
            target = plan.joins[key][1]
            node[rel] = {"attributes": attributes(target.name, related_ids[key], version)}
        node = node[rel]
    node[path[-1]] = value


def _resolve(ctx: _Context, name: str) -> tuple[tuple[str, ...], str, S.Field]:
    """Resolve ``Owner.Email`` to its canonical path, SQL column and field, adding joins."""
    parts = name.split(".")
    obj, alias, canon, path_key = ctx.root, "t", [], ""
    if len(parts) > 1 and parts[0].lower() == ctx.root.name.lower():
        parts = parts[1:]  # "Contact.Email" in a query on Contact
    for rel in parts[:-1]:
        found = obj.relationship_named(rel)
        if found is None:
            raise SoqlError(_no_column(ctx, name, obj), "INVALID_FIELD")
        rel_name, fk = found
        canon.append(rel_name)
        path_key = ".".join(canon)
        target = S.OBJECTS[fk.reference_to]
        if path_key not in ctx.joins:
            new_alias = f"j{len(ctx.joins)}"
            ctx.joins[path_key] = (new_alias, target)
            ctx.join_clauses.append(
                f'LEFT JOIN "{target.name}" {new_alias} ON {new_alias}.Id = {alias}.{fk.name}'
            )
        alias, obj = ctx.joins[path_key][0], target
    f = obj.field_named(parts[-1])
    if f is None:
        raise SoqlError(_no_column(ctx, name, obj), "INVALID_FIELD")
    return (*canon, f.name), f"{alias}.{f.name}", f


def _no_column(ctx: _Context, name: str, obj: S.SObject) -> str:
    return f"\nSELECT {name} FROM {ctx.root.name}\n       ^\nERROR at Row:1:Column:8\n" \
           f"No such column '{name.split('.')[-1]}' on entity '{obj.name}'. If you are " \
           f"attempting to use a custom field, be sure to append the '__c' after the custom " \
           f"field name. Please reference your WSDL or the describe call for the appropriate names."


def _column(ctx: _Context, name: str) -> Column:
    path, sql, f = _resolve(ctx, name)
    return Column(path, sql, f)


def _order(ctx: _Context, item) -> str:
    _path, sql, f = _resolve(ctx, item.field)
    if f.type == S.TEXTAREA:
        raise SoqlError(f"field '{f.name}' can not be sorted in a query call", "INVALID_FIELD")
    nulls_last = item.nulls_last if item.nulls_last is not None else item.descending
    collate = " COLLATE NOCASE" if f.type in S.TEXT_TYPES - {S.ID, S.REFERENCE} else ""
    direction = "DESC" if item.descending else "ASC"
    return f"{sql}{collate} {direction} NULLS {'LAST' if nulls_last else 'FIRST'}"


def _condition(ctx: _Context, node) -> str:
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(f"({_condition(ctx, t)})" for t in node.terms)
    if isinstance(node, Not):
        return f"NOT ({_condition(ctx, node.term)})"
    return _comparison(ctx, node)


def _comparison(ctx: _Context, c: Comparison) -> str:
    _path, sql, f = _resolve(ctx, c.field)
    if f.type == S.TEXTAREA:
        raise SoqlError(f"field '{f.name}' can not be filtered in a query call",
                        "INVALID_FIELD")
    if c.op in ("IN", "NOT IN"):
        if any(v.kind in ("null", "relative") for v in c.value):
            raise SoqlError(f"invalid value list for {f.name}", "MALFORMED_QUERY")
        marks = []
        for v in c.value:
            ctx.params.append(_coerce(f, v, c.op))
            marks.append("?")
        collate = _collate(f)
        neg = "NOT " if c.op == "NOT IN" else ""
        expr = f"{sql}{collate} {neg}IN ({', '.join(marks)})"
        return f"({expr} OR {sql} IS NULL)" if neg else expr
    if c.op in ("LIKE", "NOT LIKE"):
        if f.type not in S.TEXT_TYPES or f.type in (S.ID, S.REFERENCE):
            raise SoqlError(f"invalid operator on field: {f.name}", "INVALID_FIELD")
        ctx.params.append(c.value.value)
        neg = "NOT " if c.op == "NOT LIKE" else ""
        return f"{sql} {neg}LIKE ? ESCAPE '\\'"
    if c.value.kind == "null":
        if c.op not in ("=", "!="):
            raise SoqlError("null can only be compared with = or !=", "MALFORMED_QUERY")
        return f"{sql} IS {'NOT ' if c.op == '!=' else ''}NULL"
    if c.value.kind == "relative":
        return _relative(ctx, sql, f, c)
    if f.type == S.BOOLEAN and c.op not in ("=", "!="):
        raise SoqlError(f"invalid operator on boolean field: {f.name}", "INVALID_FIELD")
    ctx.params.append(_coerce(f, c.value, c.op))
    if c.op == "!=":
        return f"({sql}{_collate(f)} != ? OR {sql} IS NULL)"
    return f"{sql}{_collate(f)} {c.op} ?"


def _collate(f: S.Field) -> str:
    # SOQL compares text case-insensitively (ids excepted: they are case-safe already).
    return " COLLATE NOCASE" if f.type in S.TEXT_TYPES - {S.ID, S.REFERENCE} else ""


def _type_error(f: S.Field, v: Literal) -> SoqlError:
    quoted = "should not be enclosed in quotes" if v.kind == "string" else "must be quoted"
    wanted = {"datetime": "dateTime", "boolean": "boolean", "date": "date"}.get(f.type, f.type)
    return SoqlError(f"value of filter criterion for field '{f.name}' must be of type {wanted} "
                     f"and {quoted}", "INVALID_FIELD")


def _coerce(f: S.Field, v: Literal, op: str):
    """The SQL parameter for literal ``v`` compared with field ``f``; type errors as SOQL's."""
    if f.type in (S.ID, S.REFERENCE):
        if v.kind != "string":
            raise _type_error(f, v)
        norm = normalize_id(v.value)
        if norm is None:
            raise SoqlError(f"invalid ID field: {v.value}", "INVALID_QUERY_FILTER_OPERATOR")
        return norm
    if f.type in S.TEXT_TYPES:
        if v.kind != "string":
            raise _type_error(f, v)
        return v.value.replace("\\%", "%").replace("\\_", "_")
    if f.type == S.BOOLEAN:
        if v.kind != "boolean":
            raise _type_error(f, v)
        return int(v.value)
    if f.type in S.NUMBER_TYPES:
        if v.kind != "number":
            raise _type_error(f, v)
        return v.value
    if f.type == S.DATE:
        if v.kind != "date":
            raise _type_error(f, v)
        return _valid_date(v.value)
    if f.type == S.DATETIME:
        if v.kind != "datetime":
            raise _type_error(f, v)
        try:
            return format_datetime(parse_datetime(v.value))
        except ValueError as exc:
            raise SoqlError(f"invalid datetime: {v.value}", "MALFORMED_QUERY") from exc
    raise _type_error(f, v)


def _valid_date(text: str) -> str:
    try:
        dt.date.fromisoformat(text)
    except ValueError as exc:
        raise SoqlError(f"invalid date: {text}", "MALFORMED_QUERY") from exc
    return text


def _relative(ctx: _Context, sql: str, f: S.Field, c: Comparison) -> str:
    """TODAY, LAST_N_DAYS:n ... are ranges of whole days (UTC) [start, end)."""
    if f.type not in (S.DATE, S.DATETIME):
        raise _type_error(f, c.value)
    word, n = c.value.value
    today = ctx.now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = dt.timedelta(days=1)
    start, end = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_N_DAYS": (today - (n or 0) * day, today + day),
        "NEXT_N_DAYS": (today + day, today + ((n or 0) + 1) * day),
    }[word]
    fmt = (lambda d: d.date().isoformat()) if f.type == S.DATE else format_datetime
    lo, hi = fmt(start), fmt(end)
    ranges = {
        "=": (f"({sql} >= ? AND {sql} < ?)", [lo, hi]),
        "!=": (f"({sql} < ? OR {sql} >= ? OR {sql} IS NULL)", [lo, hi]),
        "<": (f"{sql} < ?", [lo]),
        "<=": (f"{sql} < ?", [hi]),
        ">": (f"{sql} >= ?", [hi]),
        ">=": (f"{sql} >= ?", [lo]),
    }
    expr, params = ranges[c.op]
    ctx.params.extend(params)
    return expr
