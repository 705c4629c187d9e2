"""Bookmarks: how far each stream's incremental pull has got, and the window of the next one.

A bookmark is a replication-key value (``SystemModstamp``, ``hs_lastmodifieddate``, …) up to
which a stream is known to be in the store. A run reads the window from the bookmark to its
own interval end (the run date at 00:00 UTC) and then moves the bookmark to the latest record
it saw, never past that end, so a run never claims data that belongs to a later interval.
``bookmarks.json`` is written atomically and only after the store (see ``connectors.store``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from empathy_engine.core.errors import ConfigError

from .canonical import to_utc


@dataclass(frozen=True)
class Window:
    """The replication-key range one stream reads in one run; ``start`` None is a full pull."""

    start: datetime | None
    end: datetime

    @property
    def full(self) -> bool:
        return self.start is None

    @property
    def empty(self) -> bool:
        """A bookmark at or past the end (e.g. a re-run of an older date): nothing to read."""
        return self.start is not None and self.start >= self.end


def interval_end(run_date: date) -> datetime:
    """A daily run's interval ends at its run date, 00:00 UTC."""
    return datetime.combine(run_date, time(0), tzinfo=UTC)


def window_for(bookmark: datetime | None, end: datetime, *, full_refresh: bool = False) -> Window:
    """The window a stream reads: everything (no bookmark, or a full refresh) or since it."""
    if full_refresh or bookmark is None:
        return Window(None, end)
    return Window(bookmark, end)


def advance(window: Window, max_seen: datetime | None) -> datetime | None:
    """The bookmark after reading ``window``: the latest record seen, capped at the window's end.

    Nothing seen keeps the old bookmark; a bookmark never moves backwards.
    """
    moved = min(max_seen, window.end) if max_seen is not None else None
    if window.start is None:
        return moved
    return window.start if moved is None else max(window.start, moved)


def latest(values) -> datetime | None:
    """The latest of some CRM timestamps (ISO strings, epoch ms or datetimes), or None."""
    stamps = to_utc(list(values)).dropna()
    return None if stamps.empty else stamps.max().to_pydatetime()


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal (no quotes), in UTC, to the second (Salesforce's precision)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(value: datetime) -> str:
    """HubSpot's search filter value for a datetime property: epoch milliseconds."""
    return str(int(value.astimezone(UTC).timestamp() * 1000))


class BookmarkFile:
    """``bookmarks.json``: one ISO timestamp per stream, replaced atomically."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[str, datetime]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
            return {name: datetime.fromisoformat(value)
                    for name, value in raw.get("streams", {}).items() if value}
        except (ValueError, AttributeError) as exc:
            raise ConfigError(f"{self.path} is not a bookmark file ({exc}); delete it, or run "
                              "with full_refresh, to pull this CRM in full again") from exc

    def save(self, bookmarks: dict[str, datetime | None]) -> None:
        body = {"version": 1, "streams": {name: value.isoformat()
                                          for name, value in sorted(bookmarks.items()) if value}}
        write_atomically(self.path, json.dumps(body, indent=2).encode())


def write_atomically(path: Path, data: bytes) -> None:
    """Write a temp file next to ``path``, flush it to disk, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
