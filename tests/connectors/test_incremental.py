"""Incremental pulls against the sandbox CRM: fewer calls, same snapshots, crash-safe bookmarks.

Each run's snapshot is compared with a full refresh of the same moment. Message text is the one
expected difference: the store keeps none, so rows stored by an earlier run come back without
text but with the tone they were scored with (tested against the full pull's text).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from hubspot.crm.objects import SimplePublicObjectInputForCreate

from empathy_engine.connectors.bookmarks import BookmarkFile, Window, interval_end
from empathy_engine.connectors.hubspot import HubSpotSource, make_client
from empathy_engine.connectors.retry import ApiBudget
from empathy_engine.connectors.salesforce import SalesforceSource
from empathy_engine.connectors.salesforce import make_client as sf_client
from empathy_engine.connectors.settings import HubSpotSettings, SalesforceSettings
from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.models.features import add_tone
from empathy_engine.stages import extract
from tests.crm_admin import admin_stats

pytestmark = pytest.mark.integration
CRMS = ("salesforce", "hubspot")


def source(info, crm: str, *, pace: float = 0.0):
    if crm == "salesforce":
        sf = info["salesforce"]
        client = sf_client(sf["instance_url"], sf["session_id"], ca_bundle=sf["ca_cert"],
                           version=sf["version"])
        # small pages, so that the saving shows in calls as well as in records
        return SalesforceSource(client, SalesforceSettings(page_size=200),
                                ApiBudget(crm, 10_000))
    hs = info["hubspot"]
    settings = HubSpotSettings.from_connection(hs["host"], hs["access_token"], {})
    src = HubSpotSource(make_client(settings), settings, ApiBudget(crm, 10_000))
    src.search.min_interval_s = pace
    return src


def pull(info, crm: str, data_dir, run_date: date, **kwargs) -> tuple[dict, object]:
    """Run the extract stage once; returns (snapshot tables, source)."""
    src = source(info, crm)
    paths = RunPaths.of(PipelineConfig(data_dir=str(data_dir)), run_date)
    extract.extract(src, crm, paths, **kwargs)
    tables = {t: pd.read_parquet(paths.file(f"{t}_{crm}.parquet"))
              for t in ("contacts", "activities", "open_actions")}
    return tables, src


def served(info, crm: str) -> int:
    return admin_stats(info)[crm]["records_served"]


def assert_same_snapshot(incremental: dict, full: dict) -> None:
    for table in ("contacts", "open_actions"):
        pd.testing.assert_frame_equal(incremental[table], full[table])
    inc, ful = incremental["activities"], full["activities"]
    assert not inc.duplicated(["source", "activity_id"]).any()
    assert list(inc.columns) == list(ful.columns)
    scored_columns = ("text", "tone", "complaint", "asked_fewer_contacts")
    other = [c for c in inc.columns if c not in scored_columns]
    pd.testing.assert_frame_equal(inc[other], ful[other])
    # text only where pulled this run; elsewhere the stored tone equals a fresh scoring
    assert (inc["text"].isna() | (inc["text"] == ful["text"])).all()
    scored_inc, scored_full = add_tone(inc), add_tone(ful)
    pd.testing.assert_series_equal(scored_inc["tone"], scored_full["tone"])
    pd.testing.assert_series_equal(scored_inc["complaint"], scored_full["complaint"])


def assert_history_kept(before: dict, end: date, after: dict) -> None:
    """What ``/advance`` re-seeded keeps its past, as a real CRM does: an old id comes back
    with the same time, kind and contact, and no new record is dated before the old bookmark
    (either would be a change no incremental reader can see)."""
    what = ["ts", "kind", "contact_key"]
    old = before["activities"].set_index("activity_id")[what]
    new = after["activities"].set_index("activity_id")[what]
    assert old.index.isin(new.index).all(), sorted(old.index[~old.index.isin(new.index)])
    common = old.index
    changed = common[(old.loc[common] != new.loc[common]).any(axis=1)]
    assert changed.empty, sorted(changed)
    backdated = new[~new.index.isin(old.index) & (new["ts"] < pd.Timestamp(interval_end(end)))]
    assert backdated.empty, sorted(backdated.index)


@pytest.mark.parametrize("crm", CRMS)
def test_a_run_without_changes_is_cheap_and_gives_the_same_snapshot(fresh_sandbox, tmp_path,
                                                                    crm):
    run_date = date.fromisoformat(fresh_sandbox["now"][:10])
    before = served(fresh_sandbox, crm)
    first, full_src = pull(fresh_sandbox, crm, tmp_path / "a", run_date)
    full_records = served(fresh_sandbox, crm) - before
    again, inc_src = pull(fresh_sandbox, crm, tmp_path / "a", run_date)
    inc_records = served(fresh_sandbox, crm) - before - full_records
    refresh, _ = pull(fresh_sandbox, crm, tmp_path / "a", run_date, full_refresh=True)
    assert inc_src.budget.used < full_src.budget.used
    assert inc_records < full_records / 10, (inc_records, full_records)
    assert_same_snapshot(again, refresh)
    assert_same_snapshot(again, first)
    kept, _ = pull(fresh_sandbox, crm, tmp_path / "b", run_date, keep_text=True)
    kept_again, _ = pull(fresh_sandbox, crm, tmp_path / "b", run_date, keep_text=True)
    pd.testing.assert_frame_equal(kept_again["activities"], first["activities"])
    store = pd.read_parquet(tmp_path / "a" / "state" / crm / "activities.parquet")
    assert store["text"].isna().all()  # privacy: the store keeps no message text


@pytest.mark.parametrize("crm", CRMS)
def test_a_week_of_new_activity_arrives_incrementally(fresh_sandbox, tmp_path, crm):
    day = date.fromisoformat(fresh_sandbox["now"][:10])
    first, _ = pull(fresh_sandbox, crm, tmp_path / "inc", day)
    fresh_sandbox.admin("POST", "advance", json={"days": 7}).raise_for_status()
    later = day + timedelta(days=7)
    inc, src = pull(fresh_sandbox, crm, tmp_path / "inc", later)
    full, full_src = pull(fresh_sandbox, crm, tmp_path / "full", later)
    assert len(inc["activities"]) > len(first["activities"])
    assert inc["activities"]["ts"].max() > pd.Timestamp(interval_end(day))
    assert src.budget.used <= full_src.budget.used
    assert_history_kept(first, day, full)
    assert_same_snapshot(inc, full)


def test_salesforce_writes_and_deletes_reach_the_store(fresh_sandbox, tmp_path):
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # API writes carry today's time
    first, src = pull(fresh_sandbox, "salesforce", tmp_path, tomorrow)
    contact = first["contacts"].iloc[0]
    created = src.sf.Task.create({"WhoId": contact["source_id"], "Subject": "Note",
                                  "Status": "Completed", "Description": "Asked for a demo."})
    notes = first["activities"]
    gone = notes[notes["activity_id"].str.startswith("Task:")].iloc[0]["activity_id"]
    src.sf.Task.delete(gone.split(":")[1])
    inc, _ = pull(fresh_sandbox, "salesforce", tmp_path, tomorrow + timedelta(days=1))
    ids = set(inc["activities"]["activity_id"])
    assert f"Task:{created['id']}" in ids and gone not in ids
    full, _ = pull(fresh_sandbox, "salesforce", tmp_path / "full", tomorrow + timedelta(days=1))
    assert_same_snapshot(inc, full)


def test_a_hubspot_email_logged_through_the_api_arrives(fresh_sandbox, tmp_path):
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    first, src = pull(fresh_sandbox, "hubspot", tmp_path, tomorrow)
    contact = first["contacts"].iloc[0]
    email = src.client.crm.objects.basic_api.create("emails", SimplePublicObjectInputForCreate(
        properties={"hs_timestamp": datetime.now(UTC).isoformat(),
                    "hs_email_direction": "INCOMING_EMAIL", "hs_email_subject": "Help",
                    "hs_email_text": "Nothing works since the update."},
        associations=[{"to": {"id": contact["source_id"]},
                       "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                  "associationTypeId": 198}]}]))
    inc, _ = pull(fresh_sandbox, "hubspot", tmp_path, tomorrow + timedelta(days=1))
    row = inc["activities"].set_index("activity_id").loc[f"emails:{email.id}"]
    assert row["contact_key"] == contact["contact_key"]
    assert row["text"] == "Help\nNothing works since the update."  # text of this run's pull
    full, _ = pull(fresh_sandbox, "hubspot", tmp_path / "full", tomorrow + timedelta(days=1))
    assert_same_snapshot(inc, full)


@pytest.mark.parametrize("crm", CRMS)
def test_a_crash_before_the_bookmarks_loses_and_duplicates_nothing(fresh_sandbox, tmp_path,
                                                                   crm, monkeypatch):
    day = date.fromisoformat(fresh_sandbox["now"][:10])
    first, _ = pull(fresh_sandbox, crm, tmp_path, day)
    marks = BookmarkFile(tmp_path / "state" / crm / "bookmarks.json")
    saved = marks.load()
    fresh_sandbox.admin("POST", "advance", json={"days": 7}).raise_for_status()
    later = day + timedelta(days=7)

    def crash(self, bookmarks):
        raise RuntimeError("killed between the store and the bookmarks")

    with monkeypatch.context() as patch:
        patch.setattr(BookmarkFile, "save", crash)
        with pytest.raises(RuntimeError, match="killed"):
            pull(fresh_sandbox, crm, tmp_path, later)
    assert marks.load() == saved  # the store moved on, the bookmarks did not
    recovered, _ = pull(fresh_sandbox, crm, tmp_path, later)
    assert marks.load() != saved
    full, _ = pull(fresh_sandbox, crm, tmp_path / "full", later)
    assert_history_kept(first, day, full)
    assert_same_snapshot(recovered, full)


def test_keyset_windows_pull_every_changed_record_once(sandbox):
    src = source(sandbox, "hubspot")
    src.search.page, src.search.cap = 7, 21  # a window holds 3 pages, then starts after its last id
    end = interval_end(date.fromisoformat(sandbox["now"][:10]))
    emails = [o.id for o in src.search.changed("emails", ("hs_timestamp",),
                                               "hs_lastmodifieddate", Window(None, end))]
    listed = [o.id for o in src.objects("emails", ("hs_timestamp",))]
    assert len(emails) == len(set(emails)) == len(listed) > 21 * 10
    assert sorted(emails, key=int) == sorted(listed, key=int)
    assert src.search.calls >= len(listed) / 7

    # every company shares one modification time: paging by time alone would loop
    src.search.calls = 0
    companies = [o.id for o in src.search.changed("companies", ("industry",),
                                                  "hs_lastmodifieddate", Window(None, end))]
    assert len(companies) == len(set(companies)) > 21
    assert sorted(companies) == sorted(o.id for o in src.objects("companies", ("industry",)))
