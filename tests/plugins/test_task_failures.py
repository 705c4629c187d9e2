"""Airflow tasks fail at once (no retries) on what a retry cannot fix; the rest is retried."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from empathy_engine.airflow_plugin import tasks
from empathy_engine.connectors.retry import ApiBudget, DailyAllowanceSpent, Failure, classify
from empathy_engine.core.errors import (
    ConfigError,
    CrmAuthError,
    CrmBudgetExceeded,
    CrmError,
    DataQualityError,
)


def _raising(exc):
    @tasks.fail_fast
    def body():
        raise exc
    return body


@pytest.mark.parametrize("exc,fix", [
    (DataQualityError("contacts: 3 e-mails malformed"), "fix the data"),
    (CrmAuthError("hubspot answered 401", crm="hubspot", status=401), "credentials"),
    (ConfigError("timeout_s must be a positive number"), "fix the setting"),
    (DailyAllowanceSpent("hubspot answered 429 DAILY", crm="hubspot", status=429),
     "daily allowance"),
])
def test_what_a_retry_cannot_fix_fails_the_task_at_once(exc, fix):
    with pytest.raises(AirflowFailException) as err:
        _raising(exc)()
    message = str(err.value)
    assert str(exc) in message and fix in message and "not retried" in message
    assert err.value.__cause__ is exc


def test_the_crms_own_answers_map_to_the_errors_that_are_not_retried():
    daily = classify("hubspot", Failure(429, '{"policyName": "DAILY"}', {}, "ApiException"))
    sf_daily = classify("salesforce", Failure(
        403, '[{"errorCode": "REQUEST_LIMIT_EXCEEDED"}]', {}, "SalesforceRefusedRequest"))
    assert daily.error is DailyAllowanceSpent and sf_daily.error is DailyAllowanceSpent
    refused = classify("hubspot", Failure(401, '{"category": "INVALID_AUTHENTICATION"}', {}, "x"))
    assert issubclass(refused.error, CrmAuthError)


@pytest.mark.parametrize("exc", [
    CrmError("hubspot: timed out; gave up after 5 attempts", crm="hubspot"),
    CrmBudgetExceeded("salesforce: this run's API budget of 10 calls is spent", crm="salesforce"),
])
def test_what_a_retry_can_fix_is_left_to_airflow(exc):
    """A flaky CRM, or this run's own budget (a new try starts a new budget), is retried."""
    with pytest.raises(type(exc)):
        _raising(exc)()


def test_a_spent_run_budget_is_not_the_daily_allowance():
    budget = ApiBudget("salesforce", 0)
    with pytest.raises(CrmBudgetExceeded) as err:
        budget.spend()
    assert not isinstance(err.value, DailyAllowanceSpent)


def test_every_task_of_the_nightly_dag_fails_fast():
    for name in ("extract_crm", "validate_raw", "build_features", "score_contacts",
                 "decide_actions", "validate_decisions", "write_back_crm", "report_run"):
        function = getattr(tasks, name).function
        assert function.__wrapped__.__name__ == name, name
