"""``POST /_admin/advance`` keeps history: ids are permanent and every change moves the
modification time, as in a real CRM (so incremental readers see all of it)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from empathy_sandbox.hubspot import schema as H
from empathy_sandbox.salesforce import schema as S
from empathy_sandbox.server.seeding import HS_FMT, SF_FMT
from empathy_sandbox.server.store import DB_NAME
from empathy_sandbox.testing import running_sandbox

pytestmark = pytest.mark.integration

# what may change on an existing record; its modification time must then move past "now"
MAY_CHANGE = {
    "Case": {"Status", "IsEscalated", "IsClosed", "ClosedDate", "LastModifiedDate",
             "SystemModstamp"},
    "hs_tickets": {"hs_pipeline_stage", "hs_ticket_priority", "closed_date", "updated_at"},
}


def tables(state_dir: Path) -> dict[str, pd.DataFrame]:
    """Every record of every object, by id (read from the store, read-only)."""
    uri = f"file:{state_dir / DB_NAME}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        out = {}
        for name in [*S.OBJECTS, *(t.table for t in H.TYPES)]:
            frame = pd.read_sql(f'SELECT * FROM "{name}"', conn)
            frame = frame.set_index("Id" if "Id" in frame.columns else "id")
            out[name] = frame.astype(object).where(frame.notna(), None)
        for name in ("hs_assoc", "hs_history"):
            out[name] = pd.read_sql(f"SELECT * FROM {name}", conn)
    return out


def modstamp(name: str) -> str:
    return "SystemModstamp" if name in S.OBJECTS else "updated_at"


def stamp(name: str, now: datetime) -> str:
    return now.strftime(SF_FMT if name in S.OBJECTS else HS_FMT)


def test_advance_keeps_every_record_and_moves_the_time_of_what_changed(tmp_path, clients):
    make_sf, _ = clients
    state_dir = tmp_path / "s"
    with running_sandbox(state_dir, contacts=250, seed=5, days=150) as info:
        sf = make_sf(info)
        contact = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]
        sf.Task.create({"WhoId": contact["Id"], "Subject": "Reach out to help: outage"})
        old_now = datetime.fromisoformat(info["now"])
        before = tables(state_dir)
        moved = info.admin("POST", "advance", json={"days": 7})
        moved.raise_for_status()
        after = tables(state_dir)
        assert sf.Contact.get(contact["Id"])["Id"] == contact["Id"]  # served, same id

    changed_records, new_records = 0, 0
    for name, old in before.items():
        new = after[name]
        if name in ("hs_assoc", "hs_history"):  # append-only: every old row is still there
            merged = old.merge(new.drop_duplicates(), how="left", indicator=True)
            assert (merged["_merge"] == "both").all(), (name, merged[merged["_merge"] != "both"])
            continue
        missing = old.index.difference(new.index)
        assert missing.empty, (name, list(missing[:5]))
        now_stamp = stamp(name, old_now)
        added = new.drop(old.index)
        new_records += len(added)
        if modstamp(name) in new.columns:  # nothing new is backdated before the old "now"
            backdated = added[added[modstamp(name)] < now_stamp]
            assert backdated.empty, (name, backdated.head())
        mine = new.loc[old.index, old.columns]
        differs = (mine != old) & ~(mine.isna() & old.isna())
        rows = differs.any(axis=1)
        if not rows.any():
            continue
        columns = set(differs.columns[differs.any()])
        assert columns <= MAY_CHANGE.get(name, set()), (name, columns, old[rows].head())
        was, now = old.loc[rows, modstamp(name)], mine.loc[rows, modstamp(name)]
        assert ((now > was) & (now >= now_stamp)).all(), (name, pd.concat([was, now], axis=1))
        changed_records += int(rows.sum())
    assert new_records > 0 and changed_records > 0  # both kinds of change were exercised
