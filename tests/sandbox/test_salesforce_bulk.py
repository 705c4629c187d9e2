"""Bulk API 2.0 through simple-salesforce's ``sf.bulk2``."""

import csv
import io

import pytest

pytestmark = pytest.mark.integration


def test_query_job_pages_csv_with_locator(sf):
    expected = sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    pages = list(sf.bulk2.Contact.query(
        "SELECT Id, Email, Owner.Email, HasOptedOutOfEmail, CreatedDate FROM Contact",
        max_records=50, wait=0.05))
    assert len(pages) == -(-expected // 50)
    rows = [r for page in pages for r in csv.DictReader(io.StringIO(page))]
    assert len(rows) == expected and len({r["Id"] for r in rows}) == expected
    first = rows[0]
    assert set(first) == {"Id", "Email", "Owner.Email", "HasOptedOutOfEmail", "CreatedDate"}
    assert first["HasOptedOutOfEmail"] in ("true", "false")
    assert first["CreatedDate"].endswith(".000Z")
    assert pages[0].startswith('"Id","Email"')  # every value quoted, header on every page


def test_query_all_includes_deleted(sf):
    who = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    tid = sf.Task.create({"WhoId": who, "Subject": "bulk deleted"})["id"]
    sf.Task.delete(tid)
    soql = f"SELECT Id, IsDeleted FROM Task WHERE Id = '{tid}'"
    live = "".join(sf.bulk2.Task.query(soql, wait=0.05))
    everything = "".join(sf.bulk2.Task.query_all(soql, wait=0.05))
    assert tid not in live and f'"{tid}","true"' in everything


def test_ingest_upsert_reports_successes_and_failures(sf, sbx):
    who = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    records = [{"Empathy_Key__c": "bulk-ok", "WhoId": who, "Subject": "Bulk task"},
               {"Empathy_Key__c": "bulk-bad", "WhoId": who, "Subject": "Bad",
                "Priority": "Whenever"}]
    result = sf.bulk2.Task.upsert(records=records, external_id_field="Empathy_Key__c",
                                  wait=0.05)
    assert result[0]["numberRecordsProcessed"] == 2 and result[0]["numberRecordsFailed"] == 1
    job_id = result[0]["job_id"]
    ok = sf.bulk2.Task.get_successful_records(job_id)
    assert ok.startswith('"sf__Id","sf__Created"') and "bulk-ok" in ok
    failed = sf.bulk2.Task.get_failed_records(job_id)
    assert "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in failed and "bulk-bad" in failed
    again = sf.bulk2.Task.upsert(records=records[:1], external_id_field="Empathy_Key__c",
                                 wait=0.05)
    assert again[0]["numberRecordsFailed"] == 0
    keys = [t["action_key"] for t in sbx.admin("GET", "tasks").json()]
    assert keys.count("bulk-ok") == 1 and "bulk-bad" not in keys
