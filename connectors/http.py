"""HTTP plumbing shared by the connectors: a requests session that always has a timeout."""

from __future__ import annotations

import requests

#: (connect, read) seconds; a silent API must never hang a nightly run.
DEFAULT_TIMEOUT_S = 30.0


class TimeoutSession(requests.Session):
    """A ``requests.Session`` that applies a default timeout to every request.

    simple-salesforce 1.12 has no global timeout setting, but it sends every call through
    the session it is given, so the timeout lives here.
    """

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S, verify: bool | str = True):
        super().__init__()
        self.timeout_s = timeout_s
        self.verify = verify

    def request(self, method, url, **kwargs):  # noqa: D102 - same contract as requests
        kwargs.setdefault("timeout", (min(10.0, self.timeout_s), self.timeout_s))
        # Passed per request so that REQUESTS_CA_BUNDLE in the environment cannot override
        # the CA bundle a connection names.
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, **kwargs)
