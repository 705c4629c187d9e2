import pytest

from empathy_engine.connectors.settings import HubSpotSettings, SalesforceSettings
from empathy_engine.core.errors import ConfigError


def test_hubspot_settings_need_a_token():
    with pytest.raises(ConfigError, match="password field"):
        HubSpotSettings.from_connection("https://api.hubapi.com", None, {})


def test_hubspot_settings_never_show_the_token():
    settings = HubSpotSettings.from_connection("api.hubapi.com/", "pat-secret", {})
    assert settings.host == "https://api.hubapi.com"
    assert "pat-secret" not in repr(settings)


def test_bad_timeout_is_explained():
    with pytest.raises(ConfigError, match="timeout_s must be a positive number"):
        HubSpotSettings.from_connection("h", "t", {"timeout_s": "-3"})


def test_salesforce_key_field_must_be_custom():
    with pytest.raises(ConfigError, match="External ID"):
        SalesforceSettings.from_extras({"task_key_field": "Subject"})
    assert SalesforceSettings.from_extras({}).key_field == "Empathy_Key__c"
