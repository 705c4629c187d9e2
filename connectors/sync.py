"""Incremental pulls: each stream reads what changed since its bookmark into the CRM's store.

    sync = IncrementalSync(source, CrmState(data_dir / "state" / "salesforce"), scrub=...)
    snapshot = sync.run(interval_end(run_date))   # contacts + activities, canonical

The order of writes is what makes a crash harmless: the store is written first (each file
atomically), the bookmarks last. A crash before the bookmarks are saved leaves them where the
store's older contents are complete, so the next run reads the same window again and the merge
(an upsert per CRM record) absorbs whatever was already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import pandas as pd

from .bookmarks import Window, advance, window_for
from .store import (
    FRAMES,
    TABLES,
    CrmState,
    merge,
    resolve_activities,
    resolve_contacts,
    with_fresh_text,
)

log = logging.getLogger(__name__)


@dataclass
class Changes:
    """What one stream's pull found.

    ``records`` names every CRM record the pull saw, deleted ones included (in the store's
    record-id form): their stored rows are replaced by ``rows``, which may be none.
    """

    rows: list[dict] = field(default_factory=list)
    records: set[str] = field(default_factory=set)
    max_seen: datetime | None = None


class Stream(Protocol):
    name: str
    table: str  # "contacts" | "activities" | "companies"


class IncrementalSource(Protocol):
    """What a connector offers for incremental pulls (its base class owns the paging)."""

    def streams(self) -> tuple[Stream, ...]: ...
    def pull(self, stream: Stream, window: Window) -> Changes: ...


@dataclass
class Snapshot:
    """One run's view of a CRM, in the canonical schemas, as the extract stage writes it."""

    contacts: pd.DataFrame
    activities: pd.DataFrame
    pulled: dict[str, int]  # rows read per stream in this run
    full: list[str]  # streams that were pulled in full


class IncrementalSync:
    """Runs every stream of a source from its bookmark, merges, stores, then bookmarks.

    ``scrub`` turns freshly pulled activity rows (with ``text``) into the rows the store keeps:
    tone-scored, text removed. Without it the store keeps the text (``keep_text`` runs).
    """

    def __init__(self, source: IncrementalSource, state: CrmState,
                 scrub: Callable[[pd.DataFrame], pd.DataFrame] | None = None):
        self.source, self.state, self.scrub = source, state, scrub

    def run(self, end: datetime, *, full_refresh: bool = False) -> Snapshot:
        bookmarks = {} if full_refresh else self.state.bookmarks.load()
        tables = self.state.load()
        lost = {name for name in TABLES if name not in tables}  # e.g. a store file deleted
        moved = dict(bookmarks)
        fresh_text: list[pd.Series] = []
        pulled: dict[str, int] = {}
        full: list[str] = []
        for stream in self.source.streams():
            window = window_for(bookmarks.get(stream.name), end,
                                full_refresh=full_refresh or stream.table in lost)
            if window.empty:
                log.info("%s: bookmark %s is at or past %s; nothing to read", stream.name,
                         window.start, end)
                continue
            changes = self.source.pull(stream, window)
            fresh = FRAMES[stream.table](changes.rows, stream.name)
            if stream.table == "activities":
                fresh_text.append(fresh.set_index("activity_id")["text"])
                fresh = self.scrub(fresh) if self.scrub else fresh
            tables[stream.table] = merge(tables.get(stream.table), fresh, stream.table,
                                         stream.name, changes.records, full=window.full)
            moved[stream.name] = advance(window, changes.max_seen)
            pulled[stream.name] = len(changes.rows)
            if window.full:
                full.append(stream.name)
            log.info("%s: %s pull of %s, %d rows from %d records; bookmark %s", stream.name,
                     "full" if window.full else "incremental", window, len(changes.rows),
                     len(changes.records), moved[stream.name])
        self.state.save(tables)
        self.state.bookmarks.save(moved)
        return self.snapshot(tables, fresh_text, pulled, full)

    @staticmethod
    def snapshot(tables: dict[str, pd.DataFrame], fresh_text: list[pd.Series],
                 pulled: dict[str, int], full: list[str]) -> Snapshot:
        contacts = resolve_contacts(tables["contacts"], tables.get("companies"))
        activities = resolve_activities(tables["activities"], contacts)
        text = pd.concat(fresh_text) if fresh_text else pd.Series(dtype="object")
        text = text[~text.index.duplicated(keep="last")]
        return Snapshot(contacts, with_fresh_text(activities, text), pulled, full)
