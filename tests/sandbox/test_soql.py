"""The SOQL parser: what it accepts, and that it refuses what it does not understand."""

import pytest

from empathy_sandbox.salesforce.soql import BoolOp, Comparison, Not, SoqlError, parse


def test_parses_fields_where_order_limit():
    q = parse("select Id, Owner.Email FROM Contact WHERE Email LIKE '%@x.example' "
              "AND HasOptedOutOfEmail = false ORDER BY CreatedDate DESC NULLS LAST LIMIT 5")
    assert q.fields == ("Id", "Owner.Email")
    assert q.sobject == "Contact"
    assert isinstance(q.where, BoolOp) and q.where.op == "AND"
    assert q.where.terms[0] == Comparison("Email", "LIKE", q.where.terms[0].value)
    assert q.order_by[0].descending and q.order_by[0].nulls_last
    assert q.limit == 5


def test_parentheses_not_in_and_literals():
    q = parse("SELECT Id FROM Task WHERE (Status IN ('Completed', 'Deferred') OR IsClosed = "
              "true) AND NOT WhoId = null AND CreatedDate > 2026-01-01T00:00:00Z "
              "AND ActivityDate <= LAST_N_DAYS:30")
    a, b, c, d = q.where.terms
    assert isinstance(a, BoolOp) and a.op == "OR"
    assert [v.value for v in a.terms[0].value] == ["Completed", "Deferred"]
    assert isinstance(b, Not)
    assert c.value.kind == "datetime"
    assert d.value.kind == "relative" and d.value.value == ("LAST_N_DAYS", 30)


def test_count_and_escapes():
    q = parse("SELECT COUNT() FROM Contact WHERE LastName = 'O\\'Brien'")
    assert q.count_only and q.where.value.value == "O'Brien"


@pytest.mark.parametrize("soql", [
    "SELECT Id FROM Contact WHERE A = 1 AND B = 2 OR C = 3",  # AND/OR mixed without parens
    "SELECT FROM Contact",
    "SELECT Id, Name FROM Contact GROUP BY Name",
    "SELECT Id FROM Contact WHERE Email = ",
    "SELECT Id FROM Contact LIMIT -1",
    "SELECT Id FROM Contact WHERE Email = \"x\"",
    "SELECT Id FROM Contact WHERE Email = 'x' extra",
])
def test_malformed_queries_are_refused(soql):
    with pytest.raises(SoqlError) as err:
        parse(soql)
    assert err.value.code == "MALFORMED_QUERY"


def test_duplicate_field_is_refused():
    with pytest.raises(SoqlError) as err:
        parse("SELECT Id, id FROM Contact")
    assert err.value.code == "DUPLICATE_FIELD"
