"""The sandbox's state: one SQLite file holding both CRMs' records and the seeding metadata.

Salesforce objects live in tables named after the object (``"Contact"``), HubSpot objects in
``hs_<type>`` tables, associations in ``hs_assoc`` (both directions), property history in
``hs_history``. ``people`` links a simulated person to their record ids in each CRM, for the web
page and the admin endpoints. Every connection is used from the server's single event loop.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.salesforce import schema as S

DB_NAME = "sandbox.sqlite"
SCHEMA_VERSION = "3"  # 2: the world is saved as world/ (Parquet, npz, JSON), not world.pkl;
# 3: seeded ids follow the world row ids (a state numbered by position is reseeded)


class Store:
    """An open sandbox database."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.create_function("hs_contains_token", 2, _contains_token, deterministic=True)
        self._hs_columns: dict[str, set[str]] = {}

    def close(self) -> None:
        self.conn.close()

    # -- schema --------------------------------------------------------------------------
    def create_schema(self) -> None:
        """Create every table and index (empty)."""
        with self.transaction():
            for statement in self._tables_ddl():
                self.conn.execute(statement)

    def create_indexes(self) -> None:
        """Create the indexes; called after seeding, since building them once is faster."""
        with self.transaction():
            for statement in self._indexes_ddl():
                self.conn.execute(statement)

    def _tables_ddl(self) -> list[str]:
        ddl = ["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"]
        for obj in S.OBJECTS.values():
            cols = ", ".join(f'"{f.name}" {S.sql_type(f)}{_default(f)}'
                             for f in obj.fields.values())
            ddl.append(f'CREATE TABLE "{obj.name}" ({cols}, _source TEXT DEFAULT \'sim\')')
        for t in H.TYPES:
            props = ", ".join(f'"{p.name}" TEXT' for p in H.BUILTIN_PROPERTIES[t.name])
            ddl.append(f"CREATE TABLE {t.table} (id INTEGER PRIMARY KEY, archived INTEGER "
                       f"DEFAULT 0, created_at TEXT, updated_at TEXT, _source TEXT DEFAULT "
                       f"'sim', {props})")
        ddl += [
            "CREATE TABLE hs_assoc (from_type TEXT, from_id INTEGER, to_type TEXT, "
            "to_id INTEGER, type_id INTEGER, PRIMARY KEY (from_type, from_id, to_type, to_id, "
            "type_id)) WITHOUT ROWID",
            "CREATE TABLE hs_history (object_type TEXT, object_id INTEGER, property TEXT, "
            "value TEXT, ts TEXT, source TEXT)",
            "CREATE TABLE hs_custom_properties (object_type TEXT, name TEXT, definition TEXT, "
            "PRIMARY KEY (object_type, name))",
            "CREATE TABLE hs_owners (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, "
            "last_name TEXT, user_id INTEGER, created_at TEXT, updated_at TEXT)",
            "CREATE TABLE people (person_id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, "
            "last_name TEXT, title TEXT, company TEXT, industry TEXT, sf_contact_id TEXT, "
            "hs_contact_id INTEGER, opted_out INTEGER)",
        ]
        return ddl

    def _indexes_ddl(self) -> list[str]:
        ddl = []
        for obj in S.OBJECTS.values():
            ddl.append(f'CREATE UNIQUE INDEX "ix_{obj.name}_Id" ON "{obj.name}"(Id)')
            for f in obj.fields.values():
                if f.type == S.REFERENCE or f.name == "SystemModstamp":
                    ddl.append(f'CREATE INDEX "ix_{obj.name}_{f.name}" ON "{obj.name}"({f.name})')
                if f.unique:  # Salesforce's default: unique regardless of case
                    ddl.append(f'CREATE UNIQUE INDEX "ux_{obj.name}_{f.name}" '
                               f'ON "{obj.name}"({f.name} COLLATE NOCASE)')
        ddl.append('CREATE INDEX "ix_EmailMessage_From" ON "EmailMessage"(FromAddress)')
        ddl.append('CREATE INDEX "ix_EmailMessage_To" ON "EmailMessage"(ToAddress)')
        for t in H.TYPES:
            ddl.append(f"CREATE INDEX ix_{t.table}_updated ON {t.table}(updated_at, id)")
            ddl.append(f"CREATE INDEX ix_{t.table}_created ON {t.table}(created_at, id)")
        ddl += [
            "CREATE INDEX ix_hs_history ON hs_history(object_type, object_id, property)",
            "CREATE INDEX ix_people_email ON people(email)",
            "CREATE INDEX ix_people_sf ON people(sf_contact_id)",
            "CREATE INDEX ix_people_hs ON people(hs_contact_id)",
        ]
        return ddl

    def transaction(self):
        """A context manager for one write transaction."""
        return _Transaction(self.conn)

    # -- metadata ------------------------------------------------------------------------
    def get_meta(self, key: str, default=None):
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def next_sequence(self, name: str, count: int = 1) -> int:
        """Reserve ``count`` numbers of sequence ``name``; return the first."""
        first = self.get_meta(f"seq:{name}", 1)
        self.set_meta(f"seq:{name}", first + count)
        return first

    # -- HubSpot columns -----------------------------------------------------------------
    def hs_columns(self, object_type: H.ObjectType) -> set[str]:
        """The stored property columns of a HubSpot object table (built-in and custom)."""
        cols = self._hs_columns.get(object_type.name)
        if cols is None:
            info = self.conn.execute(f"PRAGMA table_info({object_type.table})").fetchall()
            cols = {row[1] for row in info} - {"id", "archived", "created_at", "updated_at",
                                                "_source"}
            self._hs_columns[object_type.name] = cols
        return cols

    def hs_columns_by_name(self, type_name: str) -> set[str]:
        return self.hs_columns(H.BY_NAME[type_name])

    def add_hs_property(self, object_type: H.ObjectType, prop: H.Property) -> None:
        """Create a custom property: a new column, unique-indexed when ``hasUniqueValue``."""
        if not H.PROPERTY_NAME_RE.match(prop.name):
            raise ValueError(f"invalid property name {prop.name!r}")
        definition = json.dumps({"type": prop.type, "field_type": prop.field_type,
                                 "options": list(prop.options), "label": prop.label,
                                 "has_unique_value": prop.has_unique_value})
        with self.transaction():
            self.conn.execute(f'ALTER TABLE {object_type.table} ADD COLUMN "{prop.name}" TEXT')
            if prop.has_unique_value:
                self.conn.execute(f'CREATE UNIQUE INDEX "ux_{object_type.table}_{prop.name}" '
                                  f'ON {object_type.table}("{prop.name}")')
            self.conn.execute("INSERT INTO hs_custom_properties VALUES (?, ?, ?)",
                              (object_type.name, prop.name, definition))
        self._hs_columns.pop(object_type.name, None)

    def hs_properties(self, object_type: H.ObjectType) -> dict[str, H.Property]:
        """Every property of ``object_type``: computed, built-in and custom."""
        props = {name: H.computed_property(name) for name in H.COMPUTED}
        props.update({p.name: p for p in H.BUILTIN_PROPERTIES[object_type.name]})
        rows = self.conn.execute(
            "SELECT name, definition FROM hs_custom_properties WHERE object_type = ?",
            (object_type.name,),
        )
        for name, definition in rows:
            d = json.loads(definition)
            props[name] = H.Property(name, d["type"], d["field_type"], tuple(d["options"]),
                                     d["has_unique_value"], d["label"], hubspot_defined=False)
        return props


def _contains_token(text, token) -> int:
    """HubSpot's CONTAINS_TOKEN: a whole word, ``*`` as a wildcard, case-insensitive."""
    if text is None or token is None:
        return 0
    pattern = re.escape(str(token).lower()).replace(r"\*", r"\w*")
    return int(re.search(rf"(?<!\w){pattern}(?!\w)", str(text).lower()) is not None)


def _default(f: S.Field) -> str:
    if f.type == S.BOOLEAN and f.default is not None:
        return f" DEFAULT {int(bool(f.default))}"
    return ""


class _Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        # Nested use joins the outer transaction.
        self.outer = not self.conn.in_transaction
        if self.outer:
            self.conn.execute("BEGIN")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if self.outer:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
