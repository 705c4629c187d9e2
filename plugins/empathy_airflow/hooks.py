"""Thin Airflow hooks: they read a connection and hand a ready client to the connectors.

No network call happens when a hook is built; the clients are created lazily in
``get_conn()``. Secrets stay inside the connection and are never logged.
"""

from __future__ import annotations

from functools import cached_property

from airflow.providers.salesforce.hooks.salesforce import SalesforceHook
from airflow.sdk.bases.hook import BaseHook

from empathy_engine.connectors.http import DEFAULT_TIMEOUT_S, TimeoutSession
from empathy_engine.connectors.settings import HubSpotSettings, SalesforceSettings


class EmpathySalesforceHook(SalesforceHook):
    """The provider's Salesforce hook with a timeout on every call and an optional CA bundle.

    Besides the provider's own fields, the connection's extras may carry ``access_token``
    (a session id for direct login, e.g. against the sandbox CRM), ``ca_bundle`` (a PEM file
    to trust) and ``timeout_s``.
    """

    def __init__(self, salesforce_conn_id: str = "salesforce_default", **kwargs):
        super().__init__(salesforce_conn_id=salesforce_conn_id, **kwargs)

    @cached_property
    def conn(self):  # type: ignore[override]
        extras = self.get_connection(self.conn_id).extra_dejson
        self.session = TimeoutSession(
            timeout_s=float(extras.get("timeout_s") or DEFAULT_TIMEOUT_S),
            verify=extras.get("ca_bundle") or True,
        )
        self.session_id = self.session_id or extras.get("access_token") or None
        return super().conn

    def settings(self) -> SalesforceSettings:
        """Connector settings from the connection extras (validated)."""
        return SalesforceSettings.from_extras(self.get_connection(self.conn_id).extra_dejson)


class HubSpotHook(BaseHook):
    """A HubSpot private-app connection: ``password`` is the token, ``host`` the API host."""

    conn_name_attr = "hubspot_conn_id"
    default_conn_name = "hubspot_default"
    conn_type = "hubspot"
    hook_name = "HubSpot (private app token)"

    def __init__(self, hubspot_conn_id: str = default_conn_name, **kwargs):
        super().__init__(**kwargs)
        self.hubspot_conn_id = hubspot_conn_id

    def settings(self) -> HubSpotSettings:
        """Connector settings (host, token, timeouts, budget) from the connection."""
        conn = self.get_connection(self.hubspot_conn_id)
        return HubSpotSettings.from_connection(
            host=conn.host, token=conn.password, extras=conn.extra_dejson
        )

    def get_conn(self):
        """Return a ``hubspot.HubSpot`` client (built lazily, no network call)."""
        from empathy_engine.connectors.hubspot import make_client

        return make_client(self.settings())
