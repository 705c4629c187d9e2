"""HubSpot's CRM API as hubspot-api-client 12 calls it: the router in front of the handlers.

It owns what every call shares -- the bearer token, rate limits and the daily allowance
(429 / 401 bodies), the ``X-HubSpot-RateLimit-*`` headers (absent on search, as on HubSpot),
and turning errors into HubSpot's error bodies. The handlers live with their resources:

- ``hubspot_objects_read_api``: list, get, batch read, search of v3 objects;
- ``hubspot_objects_write_api``: create, update, batch create / update / upsert;
- ``hubspot_associations_api``: v4 association reads and creates;
- ``hubspot_owners_properties_api``: owners and property definitions.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import Response

from empathy_sandbox.hubspot.associations_api import AssociationsApi
from empathy_sandbox.hubspot.errors import HsError, not_found
from empathy_sandbox.hubspot.http import (
    json_response,
    rate_limit_body,
    server_error_body,
    unauthorized_body,
)
from empathy_sandbox.hubspot.objects_read_api import ObjectsReadApi
from empathy_sandbox.hubspot.objects_write_api import ObjectsWriteApi
from empathy_sandbox.hubspot.owners_properties_api import OwnersAndPropertiesApi
from empathy_sandbox.server.accounting import HUBSPOT, Refusal
from empathy_sandbox.server.runtime import Sandbox, bearer

log = logging.getLogger("sandbox")
POLICIES = {"daily_limit": "DAILY", "rate_limit": "TEN_SECONDLY_ROLLING",
            "search_rate_limit": "SECONDLY"}


class HubSpotApi:
    """Serves ``/crm/...`` for one sandbox."""

    def __init__(self, sandbox: Sandbox):
        self.sb = sandbox
        self.routes = [route for api in (OwnersAndPropertiesApi, ObjectsReadApi,
                                         ObjectsWriteApi, AssociationsApi)
                       for route in api(sandbox).routes]

    async def __call__(self, request: Request) -> Response:
        rest = request.url.path[len("/crm/"):].strip("/")
        handler, args, endpoint = self._route(request.method, rest)
        if handler is None:
            return json_response(not_found().body(), 404)
        token = bearer(request.headers)
        if token != self.sb.hubspot_token:
            return json_response(unauthorized_body("INVALID_AUTHENTICATION"), 401)
        is_search = endpoint.startswith("search")
        refusal = await self.sb.accounting.admit(HUBSPOT, endpoint, session=token,
                                                 search=is_search)
        if refusal is not None:
            return self._refusal(refusal)
        try:
            response = await handler(request, *args)
        except HsError as exc:
            response = json_response(exc.body(), exc.status)
        except Exception:  # noqa: BLE001 - a sandbox bug still answers in HubSpot's format
            log.exception("hubspot handler failed")
            response = json_response(server_error_body(), 500)
        lost = await self.sb.accounting.lose_response(HUBSPOT, endpoint, response.status_code)
        if lost is not None:  # the write stands; its answer never reaches the client
            return self._refusal(lost)
        if not is_search:
            self._limit_headers(response)
        return response

    def _route(self, method: str, rest: str):
        for verb, pattern, handler, label in self.routes:
            if verb == method:
                m = re.fullmatch(pattern, rest)
                if m:
                    return handler, m.groups(), label.format(*m.groups())
        return None, (), ""

    def _limit_headers(self, response: Response) -> None:
        acc = self.sb.accounting
        daily = acc.daily_limit(HUBSPOT)
        response.headers.update({
            "X-HubSpot-RateLimit-Daily": str(daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily - acc.daily_used[HUBSPOT])),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(acc.burst_limit()),
            "X-HubSpot-RateLimit-Remaining": str(acc.burst_remaining()),
            "X-HubSpot-RateLimit-Secondly": str(max(1, acc.burst_limit() // 10)),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, acc.burst_remaining() // 10)),
        })

    def _refusal(self, refusal: Refusal) -> Response:
        if refusal.kind == "expired":
            return json_response(unauthorized_body("EXPIRED_AUTHENTICATION"), 401)
        if refusal.kind in POLICIES:
            response = json_response(rate_limit_body(POLICIES[refusal.kind]), 429)
            # No Retry-After: HubSpot does not document one, and urllib3 (under the client)
            # would silently retry GETs that carry it, hiding the 429 from the caller.
            self._limit_headers(response)
            return response
        if refusal.kind == "lost_response":
            return json_response(server_error_body(
                f"{refusal.status} from the gateway (sandbox fault: the write was applied)"),
                refusal.status)
        return json_response(server_error_body("internal error (sandbox fault)"), 502)
