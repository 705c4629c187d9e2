"""Reading HubSpot API requests and writing responses: JSON bodies, batch inputs, integer
query parameters, and the fixed-shape error bodies the router sends itself."""

from __future__ import annotations

import json
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from empathy_sandbox.hubspot.errors import HsError

Handler = tuple[str, str, object, str]  # (method, path pattern under /crm/, handler, label)


def json_response(body, status: int = 200) -> Response:
    """A HubSpot answer: JSON with a correlation id (204 has no body)."""
    headers = {"X-HubSpot-Correlation-Id": str(uuid.uuid4())}
    if status == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers,
                        media_type="application/json;charset=utf-8")


async def read_body(request: Request):
    """The request's JSON body (``{}`` when empty); 400 when it is not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw or b"{}")
    except ValueError as exc:
        raise HsError(400, f"Invalid input JSON: {exc}", "VALIDATION_ERROR") from exc


def batch_inputs(body, limit: int) -> list[dict]:
    """``body["inputs"]``, checked to be a list of at most ``limit`` objects."""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise HsError(400, "inputs must be a list of objects", "VALIDATION_ERROR")
    if len(inputs) > limit:
        raise HsError(400, f"Batch input limit exceeded: {len(inputs)} inputs, at most "
                      f"{limit}", "VALIDATION_ERROR")
    return inputs


def int_param(value, default: int, name: str) -> int:
    """An integer query parameter; 400 when it is not one."""
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise HsError(400, f"{name} must be an integer, got {value!r}",
                      "VALIDATION_ERROR") from None


def is_true(value: str | None) -> bool:
    """A boolean query parameter: client 12 sends Python's ``True`` / ``False``."""
    return (value or "false").lower() == "true"


def unauthorized_body(category: str) -> dict:
    """The 401 body for a missing / wrong token or an expired one."""
    message = ("The OAuth token used to make this call expired" if category ==
               "EXPIRED_AUTHENTICATION" else
               "Authentication credentials not found. This API supports OAuth 2.0 "
               "authentication and you can find more details at "
               "https://developers.hubspot.com/docs/methods/auth/oauth-overview")
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()),
            "category": category}


RATE_LIMIT_MESSAGES = {
    "DAILY": "You have reached your daily limit.",
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
}


def rate_limit_body(policy: str) -> dict:
    """The 429 body: ``errorType`` and ``policyName`` as HubSpot has long sent them, and the
    ``category`` its newer answers (and the OpenAPI Error schema) carry."""
    return {"status": "error", "message": RATE_LIMIT_MESSAGES[policy],
            "errorType": "RATE_LIMIT", "category": "RATE_LIMITS",
            "correlationId": str(uuid.uuid4()), "policyName": policy}


def server_error_body(message: str = "internal error") -> dict:
    """A 5xx body as HubSpot sends it: no category."""
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4())}
