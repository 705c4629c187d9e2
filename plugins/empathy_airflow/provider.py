"""Provider metadata: registers the ``hubspot`` connection type with Airflow.

Airflow 3 has no maintained HubSpot provider, so this project declares the connection type
itself through the ``apache_airflow_provider`` entry point (see ``pyproject.toml``).
"""

from __future__ import annotations


def get_provider_info() -> dict:
    """Return the provider description Airflow's ProvidersManager reads."""
    return {
        "package-name": "empathy-engine",
        "name": "Empathy Engine",
        "description": "Empathy-aware next actions for Salesforce and HubSpot contacts.",
        "versions": ["0.1.0"],
        "connection-types": [
            {
                "hook-class-name": "empathy_engine.airflow_plugin.hooks.HubSpotHook",
                "hook-name": "HubSpot (private app token)",
                "connection-type": "hubspot",
                "conn-fields": {
                    "timeout_s": {
                        "label": "Request timeout (s)",
                        "schema": {"type": ["number", "null"]},
                    },
                    "run_budget": {
                        "label": "API calls this product may spend per run",
                        "schema": {"type": ["integer", "null"]},
                    },
                    "task_key_property": {
                        "label": "Unique task property holding the action key (optional)",
                        "schema": {"type": ["string", "null"]},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "login"],
                    "relabeling": {"password": "Private app access token", "host": "API host"},
                    "placeholders": {"host": "https://api.hubapi.com"},
                },
            }
        ],
    }
