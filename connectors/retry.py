"""The one place that decides what a failed CRM call means: retry, or fail with a clear error.

Both client libraries raise their own exceptions (simple-salesforce's ``SalesforceError``
family, hubspot-api-client's per-package ``ApiException``); ``describe_failure`` reduces either
to a status, a body and headers, ``classify`` turns that into a :class:`Verdict`, and
``call`` runs a request under that policy with backoff, jitter and ``Retry-After``.

A request that creates records is not idempotent: when its answer is lost (a timeout, a reset
connection, a 5xx from a gateway) the records may exist. ``call(..., idempotent=False)`` never
repeats such a request; it raises :class:`AmbiguousWrite`, and the caller looks up what was
applied before it creates what is missing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests
import urllib3
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from empathy_engine.core.errors import CrmAuthError, CrmBudgetExceeded, CrmError, CrmRejected

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUSES = {408, 420, 500, 502, 503, 504}
#: Salesforce says these are transient even though they arrive as 400s.
SALESFORCE_TRANSIENT = {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "REQUEST_RUNNING_TOO_LONG"}


@dataclass(frozen=True)
class Failure:
    """What came back: ``status`` is None when no response arrived (timeout, reset)."""

    status: int | None
    body: str
    headers: dict
    what: str  # short description of the exception, for messages


@dataclass(frozen=True)
class Verdict:
    retry: bool
    wait_s: float | None  # what the server asked for, if anything
    error: type[CrmError]
    message: str


class AmbiguousWrite(CrmError):
    """A non-idempotent write failed without a clear answer: it may have been applied."""


class DailyAllowanceSpent(CrmBudgetExceeded):
    """The CRM's own daily allowance is spent (retrying today cannot help)."""


#: error codes of an expired session or token, as opposed to wrong credentials
EXPIRED_CODES = {"INVALID_SESSION_ID", "EXPIRED_AUTHENTICATION"}
RENEWABLE_LOGIN = {
    "salesforce": "a fixed session id (access_token) cannot be renewed: give the Airflow "
                  "connection a login that renews (username + password, or an OAuth consumer "
                  "key and secret)",
    "hubspot": "put a private app token (it does not expire) in the Airflow connection's "
               "password",
}


class ApiBudget:
    """Counts the API calls one run spends against one CRM, and stops at the limit."""

    def __init__(self, crm: str, limit: int):
        self.crm, self.limit, self.used = crm, limit, 0

    def spend(self, calls: int = 1) -> None:
        if self.used + calls > self.limit:
            raise CrmBudgetExceeded(
                f"{self.crm}: this run's API budget of {self.limit} calls is spent; raise "
                "run_budget in the connection extras or shard the run.",
                crm=self.crm,
            )
        self.used += calls


def describe_failure(exc: BaseException) -> Failure | None:
    """Reduce a client exception to a :class:`Failure`, or None if it is not a CRM failure."""
    if isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
        return Failure(None, str(exc)[:300], {}, "TLS")
    if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError):
        return Failure(None, "", {}, f"timed out ({type(exc).__name__})")
    if isinstance(exc, requests.ConnectionError | urllib3.exceptions.HTTPError):
        return Failure(None, "", {}, f"connection failed ({type(exc).__name__})")
    status = getattr(exc, "status", None)
    if not isinstance(status, int):
        return None
    body = getattr(exc, "body", None)
    if body is None:  # simple-salesforce keeps the parsed body in .content
        content = getattr(exc, "content", "")
        body = content if isinstance(content, str) else json.dumps(content)
    headers = dict(getattr(exc, "headers", None) or {})
    return Failure(status, body if isinstance(body, str) else str(body), headers, type(exc).__name__)


def _json(body: str):
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return None


def _error_code(body: str) -> str:
    parsed = _json(body)
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict):
        return str(parsed[0].get("errorCode", ""))
    if isinstance(parsed, dict):
        return str(parsed.get("policyName") or parsed.get("category") or "")
    return ""


def _retry_after(headers: dict) -> float | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        return float(lowered["retry-after"])
    except (KeyError, ValueError):
        return None


def classify(crm: str, failure: Failure) -> Verdict:
    """Decide whether a failure is worth retrying and which error to raise if not."""
    status, code = failure.status, _error_code(failure.body)
    where = f"{crm} answered {status} {code}".strip()
    if status is None and failure.what == "TLS":
        return Verdict(False, None, CrmAuthError,
                       f"{crm}: the server's TLS certificate is not trusted ({failure.body}); "
                       "set ca_bundle in the connection extras to the PEM of its CA.")
    if status is None:
        return Verdict(True, None, CrmError, f"{crm}: {failure.what}; check the host and network")
    if status == 429:
        if code == "DAILY":
            return Verdict(False, None, DailyAllowanceSpent,
                           f"{where}: the account's daily API allowance is spent; the run "
                           "resumes safely tomorrow, or ask HubSpot for a higher limit.")
        return Verdict(True, _retry_after(failure.headers) or 10.0, CrmError, f"{where}: rate limited")
    if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
        return Verdict(False, None, DailyAllowanceSpent,
                       f"{where}: the org's daily API requests are spent (shared by every "
                       "integration); re-run when the 24-hour window frees calls.")
    if status == 401 and code in EXPIRED_CODES:
        return Verdict(False, None, CrmAuthError,
                       f"{where}: the session or token expired and this connection cannot renew "
                       f"it; {RENEWABLE_LOGIN.get(crm, 'use credentials that renew')}, then "
                       "re-run.")
    if status == 401:
        return Verdict(False, None, CrmAuthError,
                       f"{where}: the credentials were refused or the session expired; update "
                       "the Airflow connection's token or password.")
    if status == 403:
        return Verdict(False, None, CrmAuthError,
                       f"{where}: the integration user lacks a permission or scope: {failure.body[:300]}")
    if status in RETRYABLE_STATUSES or status >= 500 or code in SALESFORCE_TRANSIENT:
        return Verdict(True, _retry_after(failure.headers), CrmError, f"{where}: server-side failure")
    return Verdict(False, None, CrmRejected, f"{where}: request refused: {failure.body[:500]}")


class _Retry(Exception):
    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    asked = exc.verdict.wait_s if isinstance(exc, _Retry) else None
    backoff = wait_exponential_jitter(initial=0.5, max=30.0, jitter=0.5)(state)
    return min(max(asked or 0.0, backoff), 60.0)


def is_ambiguous(failure: Failure) -> bool:
    """No clear answer: the request may have been applied (no response, 408, or a 5xx)."""
    return failure.status is None or failure.status == 408 or failure.status >= 500


def call(crm: str, fn: Callable[..., T], *args, budget: ApiBudget | None = None,
         attempts: int = 5, idempotent: bool = True, **kwargs) -> T:
    """Run one CRM request under the retry policy; raise a ``CrmError`` subclass when it fails.

    ``idempotent=False`` (creates): a failure that may have been applied raises
    :class:`AmbiguousWrite` at once instead of being repeated; clear refusals (429) retry.
    """

    def once() -> T:
        if budget is not None:
            budget.spend()
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # reduced to a verdict below; non-CRM errors re-raise
            failure = describe_failure(exc)
            if failure is None:
                raise
            verdict = classify(crm, failure)
            if verdict.retry and not idempotent and is_ambiguous(failure):
                raise AmbiguousWrite(f"{verdict.message}; the write may have been applied, so "
                                     "it is looked up before anything is created again",
                                     crm=crm, status=failure.status) from exc
            if verdict.retry:
                log.warning("%s; retrying", verdict.message)
                raise _Retry(verdict) from exc
            raise verdict.error(verdict.message, crm=crm, status=failure.status) from exc

    try:
        for attempt in Retrying(stop=stop_after_attempt(attempts), wait=_wait, reraise=True,
                                retry=retry_if_exception_type(_Retry)):
            with attempt:
                return once()
    except _Retry as exc:
        raise exc.verdict.error(
            f"{exc.verdict.message}; gave up after {attempts} attempts", crm=crm
        ) from exc
    raise AssertionError("unreachable")
