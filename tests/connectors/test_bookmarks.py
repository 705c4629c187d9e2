"""Bookmark arithmetic and the store's merge rules, without servers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from empathy_engine.connectors.bookmarks import (
    BookmarkFile,
    Window,
    advance,
    epoch_ms,
    interval_end,
    latest,
    soql_datetime,
    window_for,
)
from empathy_engine.connectors.store import activity_frame, merge
from empathy_engine.core.errors import ConfigError

END = datetime(2026, 11, 1, tzinfo=UTC)
MARK = datetime(2026, 10, 31, 9, 30, tzinfo=UTC)


def test_a_daily_run_ends_at_midnight_utc():
    assert interval_end(date(2026, 11, 1)) == END


def test_no_bookmark_or_a_full_refresh_is_a_full_pull():
    assert window_for(None, END).full
    assert window_for(MARK, END, full_refresh=True) == Window(None, END)
    assert window_for(MARK, END) == Window(MARK, END)


def test_a_bookmark_at_or_past_the_end_reads_nothing():
    assert window_for(END, END).empty
    assert window_for(datetime(2026, 11, 5, tzinfo=UTC), END).empty
    assert not window_for(MARK, END).empty and not Window(None, END).empty


@pytest.mark.parametrize("start,seen,expected", [
    (None, None, None),  # full pull of an empty stream: still no bookmark
    (None, MARK, MARK),  # full pull: the latest record seen
    (None, datetime(2026, 11, 3, tzinfo=UTC), END),  # never past the interval end
    (MARK, None, MARK),  # nothing changed: the bookmark stays
    (MARK, datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC)),
    (MARK, datetime(2026, 12, 1, tzinfo=UTC), END),
    (MARK, datetime(2026, 10, 1, tzinfo=UTC), MARK),  # never backwards
])
def test_advance(start, seen, expected):
    assert advance(Window(start, END), seen) == expected


def test_literals():
    assert soql_datetime(datetime(2026, 11, 1, 2, 3, 4, 500_000, tzinfo=UTC)) == \
        "2026-11-01T02:03:04Z"
    assert epoch_ms(END) == "1793491200000"
    assert latest(["2026-10-31T09:30:00.000+0000", None, "2026-01-01T00:00:00Z"]) == MARK
    assert latest([]) is None


def test_bookmark_file_round_trip_is_atomic(tmp_path):
    marks = BookmarkFile(tmp_path / "hubspot" / "bookmarks.json")
    assert marks.load() == {}
    marks.save({"emails": MARK, "calls": None})
    assert marks.load() == {"emails": MARK}
    assert [p.name for p in marks.path.parent.iterdir()] == ["bookmarks.json"]  # no temp left


def test_a_broken_bookmark_file_says_how_to_recover(tmp_path):
    (tmp_path / "bookmarks.json").write_text("{not json")
    with pytest.raises(ConfigError, match="full_refresh"):
        BookmarkFile(tmp_path / "bookmarks.json").load()


def _rows(*specs):
    return [{"contact_key": "a@x.io", "source": "salesforce", "activity_id": aid,
             "ts": "2026-10-01T00:00:00Z", "kind": "case_opened", "direction": "inbound",
             "record_id": record, "contact_id": None} for aid, record in specs]


def test_merge_replaces_what_a_record_produced_and_keeps_the_rest():
    stored = activity_frame(_rows(("Case:1:opened", "Case:1"), ("Case:2:opened", "Case:2"),
                                  ("Case:3:opened", "Case:3")), "cases")
    fresh = activity_frame(_rows(("Case:1:opened", "Case:1"), ("Case:1:closed", "Case:1"),
                                 ("Case:4:opened", "Case:4")), "cases")
    # Case:2 was seen (deleted: no rows), Case:3 was not seen this time
    merged = merge(stored, fresh, "activities", "cases", {"Case:1", "Case:2", "Case:4"},
                   full=False)
    assert sorted(merged["activity_id"]) == ["Case:1:closed", "Case:1:opened", "Case:3:opened",
                                             "Case:4:opened"]


def test_a_full_pull_replaces_the_streams_rows_only():
    stored = pd.concat([activity_frame(_rows(("Case:1:opened", "Case:1")), "cases"),
                        activity_frame(_rows(("Task:9", "Task:9")), "calls_and_notes")])
    fresh = activity_frame(_rows(("Case:2:opened", "Case:2")), "cases")
    merged = merge(stored, fresh, "activities", "cases", {"Case:2"}, full=True)
    assert sorted(merged["activity_id"]) == ["Case:2:opened", "Task:9"]
