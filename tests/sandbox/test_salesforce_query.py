"""SOQL compiled to SQL over the seeded tables: results, types and error codes."""

import datetime as dt

import pytest

from empathy_sandbox.salesforce.query import compile_query, fetch_rows
from empathy_sandbox.salesforce.soql import SoqlError, parse


def run(store, soql, include_deleted=False, now=None):
    plan = compile_query(parse(soql), include_deleted, now)
    rowids = [r[0] for r in store.conn.execute(plan.id_sql, plan.params)]
    return fetch_rows(store.conn, plan, rowids, "59.0")


def test_relationship_fields_are_nested_with_attributes(store):
    rows = run(store, "SELECT Id, Email, Account.Industry, Owner.Email FROM Contact "
                      "ORDER BY Email")
    assert [r["Email"] for r in rows] == ["ada@acme.example", "bob@acme.example"]
    ada = rows[0]
    assert ada["attributes"]["type"] == "Contact"
    assert ada["attributes"]["url"] == f"/services/data/v59.0/sobjects/Contact/{ada['Id']}"
    assert ada["Account"]["Industry"] == "Retail"
    assert ada["Account"]["attributes"]["type"] == "Account"
    assert ada["Owner"]["Email"] == "rep1@corp.example"


def test_empty_lookup_is_null(store):
    rows = run(store, "SELECT Id, Parent.Subject FROM EmailMessage")
    assert all(r["Parent"]["Subject"] == "Export broken" for r in rows)
    rows = run(store, "SELECT Id, What.Name FROM Task")
    assert all(r["What"] is None for r in rows)


def test_where_types_and_case_insensitive_text(store):
    assert len(run(store, "SELECT Id FROM Contact WHERE Email = 'ADA@ACME.EXAMPLE'")) == 1
    assert len(run(store, "SELECT Id FROM Contact WHERE HasOptedOutOfEmail = true")) == 1
    assert len(run(store, "SELECT Id FROM Contact WHERE Email LIKE 'b%'")) == 1
    assert len(run(store, "SELECT Id FROM Task WHERE CallType != 'Inbound'")) == 1  # null too
    assert len(run(store, "SELECT Id FROM Task WHERE TaskSubtype IN ('Call', 'Email')")) == 1
    assert len(run(store, "SELECT Id FROM Opportunity WHERE Amount >= 1000")) == 1
    assert len(run(store, "SELECT Id FROM EmailMessage WHERE MessageDate > "
                          "2026-05-01T12:00:00+02:00")) == 1  # 10:00Z: only the 11:00Z reply
    assert len(run(store, "SELECT Id FROM Event WHERE StartDateTime >= "
                          "2026-05-04T09:00:00.000Z")) == 1
    assert len(run(store, "SELECT Id FROM Opportunity WHERE CloseDate = 2026-05-05")) == 1


def test_relative_dates_use_the_clock(store):
    now = dt.datetime(2026, 5, 6, 12, tzinfo=dt.UTC)
    rows = run(store, "SELECT Id FROM Task WHERE ActivityDate = LAST_N_DAYS:3", now=now)
    assert len(rows) == 1  # [05-03, 05-07): the 05-03 note, not the 05-02 call
    rows = run(store, "SELECT Id FROM Task WHERE CreatedDate < TODAY", now=now)
    assert len(rows) == 2


def test_order_by_and_limit_offset(store):
    rows = run(store, "SELECT Subject FROM EmailMessage ORDER BY MessageDate DESC LIMIT 1")
    assert [r["Subject"] for r in rows] == ["Re: Broken export"]
    rows = run(store, "SELECT Subject FROM EmailMessage ORDER BY MessageDate LIMIT 1 OFFSET 1")
    assert [r["Subject"] for r in rows] == ["Re: Broken export"]


def test_count_only(store):
    plan = compile_query(parse("SELECT COUNT() FROM Contact"))
    assert plan.count_only


def test_deleted_rows_only_with_query_all(store):
    store.conn.execute("UPDATE Task SET IsDeleted = 1 WHERE TaskSubtype = 'Call'")
    assert len(run(store, "SELECT Id FROM Task")) == 1
    rows = run(store, "SELECT Id, IsDeleted FROM Task", include_deleted=True)
    assert sorted(r["IsDeleted"] for r in rows) == [False, True]


@pytest.mark.parametrize("soql, code", [
    ("SELECT Foo FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE Foo = 'x'", "INVALID_FIELD"),
    ("SELECT Owner.Foo FROM Contact", "INVALID_FIELD"),
    ("SELECT Nope.Email FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Widget", "INVALID_TYPE"),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2026-01-01", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE CreatedDate > '2026-01-01T00:00:00Z'", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE HasOptedOutOfEmail = 'true'", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE Email = 5", "INVALID_FIELD"),
    ("SELECT Id FROM Task WHERE Description = 'x'", "INVALID_FIELD"),
    ("SELECT Id FROM Task ORDER BY Description", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE HasOptedOutOfEmail > true", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE AccountId = 'nope'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Contact WHERE Email > null", "MALFORMED_QUERY"),
])
def test_errors_name_salesforce_codes(store, soql, code):
    with pytest.raises(SoqlError) as err:
        run(store, soql)
    assert err.value.code == code


def test_fifteen_character_ids_match(store):
    full = run(store, "SELECT Id FROM Contact ORDER BY Email LIMIT 1")[0]["Id"]
    rows = run(store, f"SELECT Id FROM Contact WHERE Id = '{full[:15]}'")
    assert [r["Id"] for r in rows] == [full]
