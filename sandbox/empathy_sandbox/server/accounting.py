"""API-call accounting and injected faults, shared by the Salesforce and HubSpot front ends.

Every API call passes :meth:`Accounting.admit` before it is served. That is where the call is
counted, where daily allowances and HubSpot's rolling 10-second window are enforced, and where
faults switched on through ``--faults`` / ``POST /_admin/faults`` happen (5xx responses, added
latency, expired sessions). The front ends turn a refusal into each CRM's own error format.

Those faults all strike *before* a call is served. :meth:`Accounting.lose_response` is the
other kind: a write endpoint has applied the write, and then its answer is lost (a 502 from a
gateway, or held back past the client's read timeout), which is what makes a blind retry of a
create a duplicate.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, fields

SALESFORCE, HUBSPOT = "salesforce", "hubspot"
DEFAULT_SF_DAILY = 100_000
DEFAULT_HS_DAILY = 1_000_000
HS_BURST_DEFAULT = 100  # Free/Starter private apps: 100 requests per rolling 10 s
HS_WINDOW_S = 10.0
HS_SEARCH_PER_SECOND = 5
#: endpoint labels (see the routers) of the calls that write records: creates, updates,
#: upserts, archives / deletes and association writes, single and batch, in either CRM
WRITE_LABELS = ("create ", "update ", "upsert ", "delete ", "archive ", "batch create ",
                "batch update ", "batch upsert ", "batch archive ", "collection ",
                "v4 associate", "v4 batch create")
LOST_KINDS = ("502", "timeout")


def is_write(endpoint: str) -> bool:
    """Whether an endpoint label names a record write (property definitions are not)."""
    return endpoint.startswith(WRITE_LABELS) and not endpoint.startswith("create property")


@dataclass
class Faults:
    """The fault switches; every field off by default. ``{}`` switches all off."""

    error_rate: float = 0.0
    rate_limit_burst: bool | int = False  # True: HubSpot's 100/10 s; an int: that many
    latency_ms: int = 0
    expire_session_after: int = 0  # calls per session/token; 0 = never
    salesforce_daily_limit: int = 0  # 0 = the default allowance
    hubspot_daily_limit: int = 0
    seed: int | None = None  # makes error_rate and lost_response_rate reproducible
    # after the write was applied: the answer is lost ("502" from a gateway, or "timeout":
    # held back lost_response_hold_ms, then a 504, so a client with a shorter timeout gives up)
    lost_response_rate: float = 0.0
    lost_response: str = "502"
    lost_response_hold_ms: int = 30_000
    lost_response_max: int = 0  # at most this many lost answers; 0 = no limit

    @classmethod
    def from_json(cls, data: dict) -> Faults:
        """Validate a faults document; unknown keys are an error that names the known ones."""
        if not isinstance(data, dict):
            raise ValueError("faults must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {sorted(known)}")
        faults = cls(**data)
        for name in ("error_rate", "lost_response_rate"):
            if not 0 <= float(getattr(faults, name)) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if faults.lost_response not in LOST_KINDS:
            raise ValueError(f"lost_response must be one of {list(LOST_KINDS)}")
        for name in ("latency_ms", "expire_session_after", "salesforce_daily_limit",
                     "hubspot_daily_limit", "lost_response_hold_ms", "lost_response_max"):
            if int(getattr(faults, name)) < 0:
                raise ValueError(f"{name} must be >= 0")
        return faults

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Refusal:
    """Why a call is refused: ``kind`` is one of unauthorized, expired, daily_limit,
    rate_limit, search_rate_limit, server_error, lost_response (the write was applied)."""

    kind: str
    status: int


class Accounting:
    """Counts calls per CRM and endpoint and decides whether a call is admitted."""

    def __init__(self) -> None:
        self.faults = Faults()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.records: Counter[str] = Counter()
        self.refused: Counter[tuple[str, str]] = Counter()
        self.daily_used: Counter[str] = Counter()
        self.session_calls: Counter[str] = Counter()
        self.lost: Counter[str] = Counter()  # answers lost after a write was applied
        self._window: deque[float] = deque()
        self._search_window: deque[float] = deque()
        self._rng = random.Random()

    def set_faults(self, faults: Faults) -> None:
        """Switch faults; usage counters restart so a new allowance starts full."""
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self.daily_used.clear()
        self.session_calls.clear()
        self.lost.clear()
        self._window.clear()
        self._search_window.clear()

    # -- limits ----------------------------------------------------------------------------
    def daily_limit(self, crm: str) -> int:
        if crm == SALESFORCE:
            return int(self.faults.salesforce_daily_limit) or DEFAULT_SF_DAILY
        return int(self.faults.hubspot_daily_limit) or DEFAULT_HS_DAILY

    def burst_limit(self) -> int:
        burst = self.faults.rate_limit_burst
        if burst is True:
            return HS_BURST_DEFAULT
        return int(burst) if burst else 190  # reported in headers, enforced only when switched on

    def burst_remaining(self) -> int:
        self._trim(self._window, HS_WINDOW_S)
        return max(0, self.burst_limit() - len(self._window))

    # -- admission -------------------------------------------------------------------------
    async def admit(self, crm: str, endpoint: str, session: str | None = None,
                    search: bool = False) -> Refusal | None:
        """Count one call; return why it is refused, or None to serve it."""
        f = self.faults
        if f.expire_session_after and session is not None:
            self.session_calls[session] += 1
            if self.session_calls[session] > int(f.expire_session_after):
                return self._refuse(crm, endpoint, Refusal("expired", 401))
        if self.daily_used[crm] >= self.daily_limit(crm):
            return self._refuse(crm, endpoint, Refusal(
                "daily_limit", 403 if crm == SALESFORCE else 429))
        if crm == HUBSPOT and f.rate_limit_burst:
            now = time.monotonic()
            if search:
                self._trim(self._search_window, 1.0)
                if len(self._search_window) >= HS_SEARCH_PER_SECOND:
                    return self._refuse(crm, endpoint, Refusal("search_rate_limit", 429))
                self._search_window.append(now)
            self._trim(self._window, HS_WINDOW_S)
            if len(self._window) >= self.burst_limit():
                return self._refuse(crm, endpoint, Refusal("rate_limit", 429))
        if crm == HUBSPOT:
            self._window.append(time.monotonic())
        self.daily_used[crm] += 1
        self.calls[(crm, endpoint)] += 1
        if f.latency_ms:
            await asyncio.sleep(int(f.latency_ms) / 1000)
        if f.error_rate and self._rng.random() < float(f.error_rate):
            return self._refuse(crm, endpoint, Refusal("server_error", 503), counted=True)
        return None

    async def lose_response(self, crm: str, endpoint: str, status: int) -> Refusal | None:
        """After a write endpoint has applied a write (``status`` < 300): whether its answer
        is lost, and how. A timeout first holds the answer back for the configured time."""
        f = self.faults
        if not (f.lost_response_rate and status < 300 and is_write(endpoint)):
            return None
        if f.lost_response_max and self.lost[crm] >= int(f.lost_response_max):
            return None
        if self._rng.random() >= float(f.lost_response_rate):
            return None
        self.lost[crm] += 1
        if f.lost_response == "timeout":
            await asyncio.sleep(int(f.lost_response_hold_ms) / 1000)
            refusal = Refusal("lost_response", 504)
        else:
            refusal = Refusal("lost_response", 502)
        self.refused[(crm, f"{endpoint} -> {refusal.status} lost_response (applied)")] += 1
        return refusal

    def served(self, crm: str, records: int) -> None:
        self.records[crm] += records

    def _refuse(self, crm: str, endpoint: str, refusal: Refusal, counted: bool = False
                ) -> Refusal:
        self.refused[(crm, f"{endpoint} -> {refusal.status} {refusal.kind}")] += 1
        if not counted:
            self.calls[(crm, endpoint)] += 1
        return refusal

    @staticmethod
    def _trim(window: deque, seconds: float) -> None:
        cutoff = time.monotonic() - seconds
        while window and window[0] < cutoff:
            window.popleft()

    # -- reporting -------------------------------------------------------------------------
    def stats(self) -> dict:
        """Calls per CRM and endpoint, refusals, records served and allowances."""
        out: dict = {}
        for crm in (SALESFORCE, HUBSPOT):
            calls = {ep: n for (c, ep), n in sorted(self.calls.items()) if c == crm}
            out[crm] = {
                "calls": sum(calls.values()),
                "by_endpoint": calls,
                "refused": {ep: n for (c, ep), n in sorted(self.refused.items()) if c == crm},
                "records_served": self.records[crm],
                "daily_used": self.daily_used[crm],
                "daily_limit": self.daily_limit(crm),
                "lost_responses": self.lost[crm],
            }
        out["faults"] = self.faults.to_json()
        return out
