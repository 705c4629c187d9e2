"""Build the connectors' readers and writers from plain credentials.

Airflow hooks (``empathy_airflow.crm``) and the CLI (from the sandbox's info file) both end
here, so a run behaves the same whichever way it was started.
"""

from __future__ import annotations

from empathy_engine.connectors import hubspot, hubspot_sink, salesforce
from empathy_engine.connectors.ledger import TaskLedger
from empathy_engine.connectors.retry import ApiBudget
from empathy_engine.connectors.settings import HubSpotSettings, SalesforceSettings
from empathy_engine.core.crms import SOURCES
from empathy_engine.pipeline import CrmIO


def salesforce_io(sf, settings: SalesforceSettings) -> CrmIO:
    budget = ApiBudget("salesforce", settings.run_budget)
    return CrmIO(salesforce.SalesforceSource(sf, settings, budget),
                 salesforce.SalesforceTaskSink(sf, settings, budget))


def hubspot_io(settings: HubSpotSettings, ledger_url: str | None = None) -> CrmIO:
    """HubSpot reader and writer; ``ledger_url`` enables the ledger fallback for write-back."""
    client = hubspot.make_client(settings)
    budget = ApiBudget("hubspot", settings.run_budget)
    ledger = TaskLedger(ledger_url) if ledger_url else None
    return CrmIO(hubspot.HubSpotSource(client, settings, budget),
                 hubspot_sink.HubSpotTaskSink(client, settings, budget, ledger))


def from_sandbox_info(info: dict, crms=SOURCES,
                      ledger_url: str | None = None) -> dict[str, CrmIO]:
    """Readers and writers for the local sandbox CRM described by its info file."""
    out: dict[str, CrmIO] = {}
    if "salesforce" in crms:
        sf_info = info["salesforce"]
        sf = salesforce.make_client(sf_info["instance_url"], sf_info["session_id"],
                                    ca_bundle=sf_info["ca_cert"], version=sf_info["version"])
        out["salesforce"] = salesforce_io(sf, SalesforceSettings())
    if "hubspot" in crms:
        hs = info["hubspot"]
        out["hubspot"] = hubspot_io(HubSpotSettings.from_connection(
            hs["host"], hs["access_token"], {}), ledger_url)
    return out


def airflow_connection_env(info: dict) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables pointing Airflow's connections at the sandbox."""
    import json

    sf, hs = info["salesforce"], info["hubspot"]
    return {
        "AIRFLOW_CONN_SALESFORCE_DEFAULT": json.dumps({
            "conn_type": "salesforce",
            "extra": {"instance_url": sf["instance_url"], "access_token": sf["session_id"],
                      "ca_bundle": sf["ca_cert"], "version": sf["version"]}}),
        "AIRFLOW_CONN_HUBSPOT_DEFAULT": json.dumps({
            "conn_type": "hubspot", "host": hs["host"], "password": hs["access_token"]}),
    }
