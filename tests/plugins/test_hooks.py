"""The hooks read real Airflow connections (from AIRFLOW_CONN_* variables) and make no call."""

from __future__ import annotations

import json

import pytest

from empathy_engine.airflow_plugin.hooks import EmpathySalesforceHook, HubSpotHook
from empathy_engine.core.errors import ConfigError


def _connection(monkeypatch, conn_id: str, **fields) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


def test_hubspot_hook_reads_host_token_and_extras(monkeypatch):
    _connection(monkeypatch, "hubspot_default", conn_type="hubspot", host="api.example.test",
                password="pat-secret", extra={"timeout_s": 12, "run_budget": 300,
                                              "task_key_property": "ee_key"})
    settings = HubSpotHook().settings()
    assert settings.host == "https://api.example.test"
    assert settings.token == "pat-secret"
    assert (settings.timeout_s, settings.run_budget, settings.key_property) == (12, 300, "ee_key")
    assert "pat-secret" not in repr(settings)


def test_hubspot_hook_builds_a_client_without_a_network_call(monkeypatch):
    _connection(monkeypatch, "hubspot_other", conn_type="hubspot", host="http://127.0.0.1:9",
                password="tok")
    client = HubSpotHook("hubspot_other").get_conn()  # port 9 (discard): any call would fail
    assert client.access_token == "tok"


def test_hubspot_hook_without_a_token_says_where_to_put_it(monkeypatch):
    _connection(monkeypatch, "hubspot_default", conn_type="hubspot", host="api.hubapi.com")
    with pytest.raises(ConfigError, match="password field"):
        HubSpotHook().settings()


def test_hubspot_hook_rejects_a_bad_extra_with_its_name(monkeypatch):
    _connection(monkeypatch, "hubspot_default", conn_type="hubspot", password="tok",
                extra={"timeout_s": -1})
    with pytest.raises(ConfigError, match="timeout_s"):
        HubSpotHook().settings()


def test_salesforce_hook_settings_come_from_the_extras(monkeypatch):
    _connection(monkeypatch, "salesforce_default", conn_type="salesforce",
                login="user@example.com", password="pw", extra={"run_budget": 900})
    hook = EmpathySalesforceHook()
    assert hook.settings().run_budget == 900
