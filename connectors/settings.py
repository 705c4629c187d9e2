"""Typed, validated connector settings, built from Airflow connections or the CLI.

Each error message says what was wrong and how to fix it, so a misconfigured connection
fails at the start of a run rather than in the middle of write-back.
"""

from __future__ import annotations

from dataclasses import dataclass

from empathy_engine.core.errors import ConfigError

from .http import DEFAULT_TIMEOUT_S

SALESFORCE_KEY_FIELD = "Empathy_Key__c"
HUBSPOT_KEY_PROPERTY = "empathy_key"


def _positive(value, name: str, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1
    if number <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}; fix the connection extras.")
    return number


@dataclass(frozen=True)
class SalesforceSettings:
    """How the Salesforce connector behaves (the login itself lives in the connection)."""

    key_field: str = SALESFORCE_KEY_FIELD  # Task external-ID field used for idempotent upserts
    timeout_s: float = DEFAULT_TIMEOUT_S
    page_size: int = 2000
    run_budget: int = 5000  # API calls this product may spend per run
    bulk_threshold: int = 10_000  # full pulls of larger objects use Bulk API 2.0 (0: never)

    @classmethod
    def from_extras(cls, extras: dict) -> SalesforceSettings:
        key_field = extras.get("task_key_field") or SALESFORCE_KEY_FIELD
        if not key_field.endswith("__c"):
            raise ConfigError(
                f"task_key_field {key_field!r} is not a custom field; create a Text(64) "
                "External ID, Unique field on Task (e.g. Empathy_Key__c) and name it here."
            )
        return cls(
            key_field=key_field,
            timeout_s=_positive(extras.get("timeout_s"), "timeout_s", DEFAULT_TIMEOUT_S),
            run_budget=int(_positive(extras.get("run_budget"), "run_budget", 5000)),
            bulk_threshold=int(extras.get("bulk_threshold", 10_000) or 0),
        )


@dataclass(frozen=True)
class HubSpotSettings:
    """Where HubSpot is and how the connector behaves."""

    host: str
    token: str
    key_property: str = HUBSPOT_KEY_PROPERTY
    timeout_s: float = DEFAULT_TIMEOUT_S
    run_budget: int = 20000

    def __repr__(self) -> str:  # never print the token
        return f"HubSpotSettings(host={self.host!r}, token=***, key_property={self.key_property!r})"

    @classmethod
    def from_connection(cls, host: str | None, token: str | None, extras: dict) -> HubSpotSettings:
        if not token:
            raise ConfigError(
                "The HubSpot connection has no access token: put the private app's token in "
                "the connection's password field (scopes: crm.objects.contacts.read, "
                "crm.objects.*.read, tickets, crm.objects.tasks.write (via crm.objects.contacts.write), "
                "crm.schemas.*.read)."
            )
        host = (host or "https://api.hubapi.com").rstrip("/")
        if not host.startswith(("http://", "https://")):
            host = "https://" + host
        return cls(
            host=host,
            token=token,
            key_property=extras.get("task_key_property") or HUBSPOT_KEY_PROPERTY,
            timeout_s=_positive(extras.get("timeout_s"), "timeout_s", DEFAULT_TIMEOUT_S),
            # ``daily_budget``: the name an earlier connection form saved this field under
            run_budget=int(_positive(extras.get("run_budget", extras.get("daily_budget")),
                                     "run_budget", 20000)),
        )
