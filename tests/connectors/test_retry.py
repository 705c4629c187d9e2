import json

import pytest
import requests

from empathy_engine.connectors.retry import ApiBudget, Failure, call, classify, describe_failure
from empathy_engine.core.errors import CrmAuthError, CrmBudgetExceeded, CrmError, CrmRejected


class FakeApiException(Exception):
    """Shaped like hubspot-api-client's ApiException: status, body (str), headers."""

    def __init__(self, status, body="", headers=None):
        super().__init__(f"HTTP {status}")
        self.status, self.body, self.headers = status, body, headers or {}


def failure(status, body="", headers=None):
    return Failure(status, body, headers or {}, "test")


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_retried(status):
    assert classify("hubspot", failure(status)).retry


def test_no_response_is_retried():
    assert classify("salesforce", failure(None)).retry


def test_hubspot_burst_limit_is_retried_after_the_window():
    body = json.dumps({"status": "error", "errorType": "RATE_LIMIT",
                       "policyName": "TEN_SECONDLY_ROLLING"})
    verdict = classify("hubspot", failure(429, body, {"Retry-After": "3"}))
    assert verdict.retry and verdict.wait_s == 3.0


def test_hubspot_daily_limit_is_not_retried():
    body = json.dumps({"errorType": "RATE_LIMIT", "policyName": "DAILY"})
    verdict = classify("hubspot", failure(429, body))
    assert not verdict.retry and issubclass(verdict.error, CrmBudgetExceeded)


def test_salesforce_request_limit_is_budget_error():
    body = json.dumps([{"message": "TotalRequests Limit exceeded.",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    verdict = classify("salesforce", failure(403, body))
    assert not verdict.retry and issubclass(verdict.error, CrmBudgetExceeded)
    assert "24-hour" in verdict.message


def test_salesforce_lock_error_is_retried():
    body = json.dumps([{"message": "unable to obtain exclusive access",
                        "errorCode": "UNABLE_TO_LOCK_ROW"}])
    assert classify("salesforce", failure(400, body)).retry


@pytest.mark.parametrize("status,error", [(401, CrmAuthError), (403, CrmAuthError),
                                          (400, CrmRejected), (404, CrmRejected)])
def test_client_errors_fail_with_the_right_error(status, error):
    verdict = classify("hubspot", failure(status, '{"message": "nope"}'))
    assert not verdict.retry and verdict.error is error


def test_untrusted_certificate_is_not_retried_and_says_how_to_fix():
    verdict = classify("salesforce", describe_failure(requests.exceptions.SSLError("bad cert")))
    assert not verdict.retry and verdict.error is CrmAuthError and "ca_bundle" in verdict.message


def test_describe_failure_reads_both_client_shapes():
    assert describe_failure(FakeApiException(429, "{}")).status == 429
    assert describe_failure(requests.Timeout()).status is None
    assert describe_failure(ValueError("not a CRM error")) is None


def test_call_retries_then_succeeds(monkeypatch):
    monkeypatch.setattr("empathy_engine.connectors.retry._wait", lambda state: 0)
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise FakeApiException(503, '{"message": "internal error"}')
        return "ok"

    assert call("hubspot", flaky) == "ok"
    assert len(attempts) == 3


def test_call_gives_up_with_a_crm_error(monkeypatch):
    monkeypatch.setattr("empathy_engine.connectors.retry._wait", lambda state: 0)

    def always_down():
        raise FakeApiException(503, "{}")

    with pytest.raises(CrmError, match="gave up after 2 attempts"):
        call("hubspot", always_down, attempts=2)


def test_call_does_not_retry_a_rejection():
    calls = []

    def bad():
        calls.append(1)
        raise FakeApiException(400, '{"message": "Property values were not valid"}')

    with pytest.raises(CrmRejected, match="Property values were not valid"):
        call("hubspot", bad)
    assert len(calls) == 1


def test_budget_stops_the_run():
    budget = ApiBudget("hubspot", limit=2)
    call("hubspot", lambda: 1, budget=budget)
    call("hubspot", lambda: 1, budget=budget)
    with pytest.raises(CrmBudgetExceeded, match="run_budget"):
        call("hubspot", lambda: 1, budget=budget)
