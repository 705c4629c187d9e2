"""Readers and writers for a CRM, built from its Airflow connection (no I/O until used)."""

from __future__ import annotations

from empathy_engine.access import hubspot_io, salesforce_io
from empathy_engine.pipeline import CrmIO

from .hooks import EmpathySalesforceHook, HubSpotHook

CONNECTIONS = {"salesforce": "salesforce_default", "hubspot": "hubspot_default"}


def crm_io(crm: str, conn_id: str | None = None, ledger_url: str | None = None) -> CrmIO:
    """The connector pair for ``crm`` using connection ``conn_id`` (default per CRM)."""
    conn_id = conn_id or CONNECTIONS[crm]
    if crm == "salesforce":
        hook = EmpathySalesforceHook(salesforce_conn_id=conn_id)
        return salesforce_io(hook.get_conn(), hook.settings())
    return hubspot_io(HubSpotHook(hubspot_conn_id=conn_id).settings(), ledger_url)
