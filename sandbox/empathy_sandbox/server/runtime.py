"""The running sandbox: its store, credentials, accounting and the seeded world's metadata.

Both front ends (Salesforce and HubSpot), the admin endpoints and the web page share one
:class:`Sandbox`. Re-seeding swaps the store in place, so they all see the new data.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from empathy_sandbox.server.accounting import Accounting
from empathy_sandbox.server.store import Store

MAX_CURSORS = 500


@dataclass
class Sandbox:
    """Everything a request handler needs."""

    store: Store
    state_dir: Path
    session_id: str
    hubspot_token: str
    accounting: Accounting = field(default_factory=Accounting)
    sf_base_url: str = ""  # https://127.0.0.1:PORT, known once the socket is bound
    hs_base_url: str = ""
    cursors: OrderedDict = field(default_factory=OrderedDict)
    extra_sessions: set[str] = field(default_factory=set)  # issued by the login endpoints
    reseed: object = None  # callable() -> None, set by the server
    on_reseed: object = None  # callable() -> None: e.g. rewrite the info file ("now" moved)

    def remember_cursor(self, cursor) -> str:
        """Keep a query cursor (a snapshot of matching rows) and return its locator."""
        locator = "01g" + secrets.token_hex(8)[:15]
        self.cursors[locator] = cursor
        while len(self.cursors) > MAX_CURSORS:
            self.cursors.popitem(last=False)
        return locator

    def valid_sf_session(self, token: str | None) -> bool:
        return token is not None and (token == self.session_id or token in self.extra_sessions)

    def new_sf_session(self) -> str:
        token = f"00D8d0000000001!AQ{secrets.token_urlsafe(24)}"
        self.extra_sessions.add(token)
        return token

    @property
    def world_now(self) -> dt.datetime | None:
        value = self.store.get_meta("world_now")
        return dt.datetime.fromisoformat(value) if value else None


def bearer(headers) -> str | None:
    """The token of an ``Authorization: Bearer …`` header."""
    value = headers.get("authorization", "")
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return None
