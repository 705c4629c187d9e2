"""The ``hubspot`` connection form: every field it declares is read by the connector."""

from __future__ import annotations

from dataclasses import fields

from empathy_engine.airflow_plugin.provider import get_provider_info
from empathy_engine.connectors.settings import HubSpotSettings

# a value for each form field that differs from the connector's default
NON_DEFAULT = {"timeout_s": 7.5, "run_budget": 123, "task_key_property": "my_key"}


def _hubspot_form() -> dict:
    (conn,) = [c for c in get_provider_info()["connection-types"]
               if c["connection-type"] == "hubspot"]
    return conn


def test_every_form_field_changes_the_connector_settings():
    form = _hubspot_form()["conn-fields"]
    default = HubSpotSettings.from_connection("https://api.hubapi.com", "tok", {})
    for name in form:
        assert name in NON_DEFAULT, f"the form's field {name!r} has no test value here"
        settings = HubSpotSettings.from_connection("https://api.hubapi.com", "tok",
                                                   {name: NON_DEFAULT[name]})
        changed = [f.name for f in fields(HubSpotSettings)
                   if getattr(settings, f.name) != getattr(default, f.name)]
        assert changed, f"the form's field {name!r} is never read by HubSpotSettings"


def test_a_connection_saved_by_the_old_form_keeps_its_budget():
    settings = HubSpotSettings.from_connection(None, "tok", {"daily_budget": 77})
    assert settings.run_budget == 77


def test_the_hook_class_named_by_the_provider_exists():
    import importlib

    module, _, name = _hubspot_form()["hook-class-name"].rpartition(".")
    assert hasattr(importlib.import_module(module), name)
