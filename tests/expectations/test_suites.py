"""The JSON suites stay in step with the canonical schema they check."""

from __future__ import annotations

import pytest

from empathy_engine.core.crms import SOURCES
from empathy_engine.core import schema
from empathy_engine.expectations.suites import SUITE_NAMES, build_suite, load_suite_definition, suite_path


def _kwargs(name: str, type_: str, **match) -> list[dict]:
    expectations = load_suite_definition(name)["expectations"]
    return [
        e["kwargs"]
        for e in expectations
        if e["type"] == type_ and all(e["kwargs"].get(k) == v for k, v in match.items())
    ]


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("activities", schema.ACTIVITIES),
        ("contacts", schema.CONTACTS),
        ("decisions", schema.DECISIONS),
    ],
)
def test_required_columns_match_the_schema(name, table):
    (kwargs,) = _kwargs(name, "expect_table_columns_to_match_set")
    assert kwargs["column_set"] == table.names


@pytest.mark.parametrize(
    ("name", "column", "allowed"),
    [
        ("activities", "kind", schema.ACTIVITY_KINDS),
        ("activities", "direction", schema.DIRECTIONS),
        ("activities", "source", SOURCES),
        ("contacts", "source", SOURCES),
        ("decisions", "action", schema.ACTIONS),
    ],
)
def test_value_sets_match_the_schema(name, column, allowed):
    sets = [k["value_set"] for k in _kwargs(name, "expect_column_values_to_be_in_set")]
    unconditional = [
        k["value_set"]
        for k in _kwargs(name, "expect_column_values_to_be_in_set", column=column)
        if "row_condition" not in k
    ]
    assert sets, f"{name} has no in-set expectations"
    assert unconditional == [list(allowed)]


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_every_expectation_says_what_it_checks_and_how_to_fix_it(name):
    definition = load_suite_definition(name)
    assert definition["meta"]["id_column"]
    for expectation in definition["expectations"]:
        assert expectation.get("description"), expectation
        assert expectation["meta"].get("fix"), expectation


@pytest.mark.parametrize("name", SUITE_NAMES)
def test_suites_build_into_gx_expectation_suites(name):
    suite = build_suite(name)
    assert suite.name == name
    assert len(suite.expectations) == len(load_suite_definition(name)["expectations"])


def test_unknown_suite_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="activities"):
        suite_path("invoices")
