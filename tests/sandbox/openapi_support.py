"""Recording and validating the sandbox's HubSpot answers against HubSpot's OpenAPI files, for
``test_hubspot_openapi.py`` (which explains where the files come from).

Importing this module skips the importing test module when ``HUBSPOT_OPENAPI_DIR`` is unset or
openapi-core is missing.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import urllib3

SPEC_DIR_VAR = "HUBSPOT_OPENAPI_DIR"
HOW_TO_GET_SPECS = (
    f"{SPEC_DIR_VAR} is not set: to validate the sandbox against HubSpot's OpenAPI files, run "
    "`git clone --depth 1 https://github.com/HubSpot/HubSpot-public-api-spec-collection.git "
    f"/tmp/hubspot-openapi` and set {SPEC_DIR_VAR}=/tmp/hubspot-openapi (the files are not "
    "licensed for redistribution, so they are not vendored)"
)
if not os.environ.get(SPEC_DIR_VAR):
    pytest.skip(HOW_TO_GET_SPECS, allow_module_level=True)

openapi_core = pytest.importorskip(
    "openapi_core", reason="openapi-core validates the responses: pip install openapi-core")
from hubspot.crm.properties import ApiException as PropertiesApiException  # noqa: E402
from openapi_core import Config, OpenAPI  # noqa: E402
from openapi_core.datatypes import RequestParameters  # noqa: E402
from werkzeug.datastructures import Headers, ImmutableMultiDict  # noqa: E402

SPEC_FILES = {  # path under HUBSPOT_OPENAPI_DIR; the wire contract's part B.6 lists them
    "objects": "PublicApiSpecs/CRM/Objects/Rollouts/424/v3/objects.json",
    "contacts": "PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json",
    "companies": "PublicApiSpecs/CRM/Companies/Rollouts/424/v3/companies.json",
    "deals": "PublicApiSpecs/CRM/Deals/Rollouts/424/v3/deals.json",
    "tickets": "PublicApiSpecs/CRM/Tickets/Rollouts/424/v3/tickets.json",
    "tasks": "PublicApiSpecs/CRM/Tasks/Rollouts/424/v3/tasks.json",
    "emails": "PublicApiSpecs/CRM/Emails/Rollouts/424/v3/emails.json",
    "calls": "PublicApiSpecs/CRM/Calls/Rollouts/424/v3/calls.json",
    "meetings": "PublicApiSpecs/CRM/Meetings/Rollouts/424/v3/meetings.json",
    "notes": "PublicApiSpecs/CRM/Notes/Rollouts/424/v3/notes.json",
    "associations": "PublicApiSpecs/CRM/Associations/Rollouts/130902/v4/associations.json",
    "owners": "PublicApiSpecs/CRM/Crm Owners/Rollouts/146888/v3/crmOwners.json",
    "properties": "PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json",
}
PATHS_BY_TYPE_ID = {"deals": "0-3"}
STRING_OR_INTEGER = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
KNOWN_DEVIATIONS = {
    # (spec, schema, property): (replacement schema, evidence)
    ("associations", "MultiAssociatedObjectWithLabel", "toObjectId"): (
        STRING_OR_INTEGER, "v4 association ids are JSON numbers in live answers and in "
        "HubSpot's documented examples (wire contract B.4.4, gotcha 12)"),
    ("associations", "LabelsBetweenObjectPair", "fromObjectId"): (
        STRING_OR_INTEGER, "HubSpot's documented create answer writes the ids as numbers"),
    ("associations", "LabelsBetweenObjectPair", "toObjectId"): (
        STRING_OR_INTEGER, "HubSpot's documented create answer writes the ids as numbers"),
    ("associations", "AssociationSpecWithLabel", "label"): (
        {"type": "string", "nullable": True}, "unlabelled association types carry "
        '"label": null in live answers (wire contract B.4.4 and B.4.5)'),
}
# Every object's `properties` map: a requested property that is unset is printed as null in
# live answers (wire contract B.4.1 and the search example in B.4.3); the spec says string.
NULLABLE_PROPERTY_VALUES = "properties"
# A live 5xx body is {"status", "message", "correlationId"} and nothing else (a captured 500
# in hubspot-api-python#111 has Content-Length 100, exactly that body); the spec's default
# Error requires `category` too. Only 5xx answers are validated with it optional.
SERVER_ERROR_DEVIATION = ("Error", "category")

# -- recording the wire ---------------------------------------------------------------------
@dataclass
class Exchange:
    """One request the client sent and the response it got, as openapi-core reads them."""

    method: str
    url: str
    body: bytes | None
    status_code: int
    headers: Headers
    data: bytes

    # openapi-core's Request protocol. The host is the spec's own server (the sandbox stands
    # in for it); client 12 calls `/crm/v3/owners/` where the spec writes `/crm/v3/owners`.
    host_url = "https://api.hubapi.com"

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.rstrip("/")

    @property
    def parameters(self) -> RequestParameters:
        query = ImmutableMultiDict(parse_qsl(urlsplit(self.url).query))
        return RequestParameters(query=query)

    @property
    def content_type(self) -> str:  # the response's, for openapi-core's Response protocol
        return self.headers.get("Content-Type", "")

    def json(self):
        return json.loads(self.data)

    def __str__(self) -> str:
        return f"{self.method} {self.url} -> {self.status_code}"


class _RequestView:
    """The request half of an exchange (openapi-core reads `content_type` on both halves)."""

    def __init__(self, exchange: Exchange):
        self.host_url, self.path = exchange.host_url, exchange.path
        self.method = exchange.method.lower()
        self.parameters, self.body = exchange.parameters, exchange.body
        self.content_type = "application/json"


def record_wire(monkeypatch) -> list[Exchange]:
    """Every exchange the hubspot client makes from now to the end of the test, in order (the
    test module's ``wire`` fixture)."""
    exchanges: list[Exchange] = []
    urlopen = urllib3.PoolManager.urlopen

    def recording(self, method, url, redirect=True, **kw):
        response = urlopen(self, method, url, redirect=redirect, **kw)
        body = kw.get("body")
        exchanges.append(Exchange(method, url, body.encode() if isinstance(body, str) else body,
                                  response.status, Headers(list(response.headers.items())),
                                  response.data))
        return response

    monkeypatch.setattr(urllib3.PoolManager, "urlopen", recording)
    return exchanges


# -- validating -----------------------------------------------------------------------------
def _json_loads(value: bytes, **_parameters) -> object:
    return json.loads(value)


@functools.cache
def spec(name: str, server_error: bool = False) -> tuple[dict, OpenAPI]:
    """The named spec file (as a dict and as an openapi-core app), with the known deviations."""
    path = Path(os.environ[SPEC_DIR_VAR]) / SPEC_FILES[name]
    if not path.is_file():
        pytest.fail(f"{path} is missing: {SPEC_DIR_VAR} must be the root of a checkout of "
                    "HubSpot/HubSpot-public-api-spec-collection")
    raw = json.loads(path.read_text())
    if name in PATHS_BY_TYPE_ID:  # the file names the type by id; client 12 calls it by name
        type_id = PATHS_BY_TYPE_ID[name]
        raw["paths"] = {k.replace(f"/objects/{type_id}", f"/objects/{name}"): v
                        for k, v in raw["paths"].items()}
    schemas = raw["components"]["schemas"]
    for (spec_name, schema, prop), (replacement, _why) in KNOWN_DEVIATIONS.items():
        if spec_name == name:
            assert schemas[schema]["properties"][prop]["type"] == "string", (schema, prop)
            schemas[schema]["properties"][prop] = copy.deepcopy(replacement)
    for schema in schemas.values():
        values = schema.get("properties", {}).get(NULLABLE_PROPERTY_VALUES, {})
        if values.get("additionalProperties", {}).get("type") == "string":
            values["additionalProperties"] = {**values["additionalProperties"], "nullable": True}
    if server_error:
        schema, prop = SERVER_ERROR_DEVIATION
        schemas[schema]["required"].remove(prop)
    # Error answers are documented as `*/*`; HubSpot's (and the sandbox's) are JSON.
    config = Config(extra_media_type_deserializers={"*/*": _json_loads})
    return raw, OpenAPI.from_dict(raw, config=config)


def documented_responses(raw: dict, exchange: Exchange) -> dict:
    """The responses the spec lists for the operation this exchange called, by status."""
    method, parts = exchange.method.lower(), exchange.path.split("/")
    candidates = []
    for template, operations in raw["paths"].items():
        pattern = template.split("/")
        if method in operations and len(pattern) == len(parts) and all(
                p == q or (p.startswith("{") and p.endswith("}"))
                for p, q in zip(pattern, parts, strict=True)):
            candidates.append((template.count("{"), operations[method]))
    assert candidates, f"{exchange}: no operation in the spec for this path"
    return min(candidates, key=lambda c: c[0])[1]["responses"]


def check(name: str, exchange: Exchange, status: int) -> dict | None:
    """Assert the status, that the spec documents it for the operation, and that the response
    validates; returns the parsed body."""
    assert exchange.status_code == status, f"{exchange}: expected {status}: {exchange.data!r}"
    raw, app = spec(name, server_error=status >= 500)
    if 200 <= status < 300:
        documented = documented_responses(raw, exchange)
        assert str(status) in documented, (
            f"{exchange}: {SPEC_FILES[name]} documents {list(documented)} for this operation; "
            "the client returns None for any other 2xx")
        if status == 204:  # `content: {}` means no body; openapi-core would demand one
            assert not documented["204"].get("content") and not exchange.data, exchange
            return None
    try:
        app.validate_response(_RequestView(exchange), exchange)
    except Exception as exc:  # noqa: BLE001 - re-raised as an assertion that says why
        pytest.fail(f"{exchange} does not validate against {SPEC_FILES[name]}:\n"
                    f"{_why(exc)}\nbody: {exchange.data[:2000]!r}", pytrace=False)
    return exchange.json() if exchange.data else None


def _why(exc: BaseException) -> str:
    lines = [f"{type(exc).__name__}: {exc}"[:500]]
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        for error in getattr(cause, "schema_errors", None) or []:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            lines.append(f"  at {where}: {error.message[:300]}")
        cause = cause.__cause__ or cause.__context__
    return "\n".join(lines)


def last(wire: list[Exchange], method: str, fragment: str) -> Exchange:
    """The last recorded exchange with this method whose URL contains ``fragment``."""
    for exchange in reversed(wire):
        if exchange.method == method and fragment in exchange.url:
            return exchange
    raise AssertionError(f"no {method} …{fragment}… among {[str(e) for e in wire]}")


# -- helpers --------------------------------------------------------------------------------
def basic_api(hs, object_type: str):
    if object_type in ("contacts", "companies", "deals", "tickets"):
        return getattr(hs.crm, object_type).basic_api
    return getattr(hs.crm.objects, object_type).basic_api


def first_contact_id(hs) -> str:
    return hs.crm.contacts.basic_api.get_page(limit=1).results[0].id


def new_task(hs, subject: str | None = None) -> str:
    created = hs.crm.objects.tasks.basic_api.create(simple_public_object_input_for_create={
        "properties": {"hs_timestamp": "2026-11-02T09:00:00Z",
                       "hs_task_subject": subject or f"openapi-{uuid.uuid4().hex[:8]}"}})
    return created.id


def ensure_key_property(hs) -> None:
    try:
        hs.crm.properties.core_api.get_by_name("tasks", "empathy_key")
    except PropertiesApiException as exc:
        assert exc.status == 404
        hs.crm.properties.core_api.create("tasks", {
            "name": "empathy_key", "label": "Empathy key", "type": "string",
            "fieldType": "text", "groupName": "taskinformation", "hasUniqueValue": True})


def timestamped(subject: str, **extra) -> dict:
    return {"hs_timestamp": "2026-11-02T09:00:00Z", "hs_task_subject": subject, **extra}
