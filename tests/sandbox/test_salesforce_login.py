"""Salesforce's OAuth token endpoint through simple-salesforce's own login paths, with
``https://<domain>.salesforce.com`` routed to the sandbox as a test harness would."""

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed

pytestmark = pytest.mark.integration


class _RouteToSandbox(requests.adapters.HTTPAdapter):
    def __init__(self, origin: str, instance_url: str):
        super().__init__()
        self.origin, self.instance_url = origin, instance_url

    def send(self, request, **kwargs):
        request.url = request.url.replace(self.origin, self.instance_url)
        return super().send(request, **kwargs)


def session_for(sbx, origin: str) -> requests.Session:
    session = sbx.salesforce_session()
    session.mount(origin, _RouteToSandbox(origin, sbx.salesforce["instance_url"]))
    return session


def test_client_credentials_flow(sbx):
    creds = sbx.salesforce
    origin = "https://acme.my.salesforce.com"  # client credentials need a My Domain
    sf = Salesforce(consumer_key=creds["consumer_key"], consumer_secret=creds["consumer_secret"],
                    domain="acme.my", session=session_for(sbx, origin), version="59.0")
    assert sf.session_id != creds["session_id"]
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0


def test_bad_client_secret_is_an_oauth_error(sbx):
    creds = sbx.salesforce
    origin = "https://acme.my.salesforce.com"
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        Salesforce(consumer_key=creds["consumer_key"], consumer_secret="wrong",
                   domain="acme.my", session=session_for(sbx, origin), version="59.0")
    assert err.value.code == "invalid_grant"


def test_oauth_password_flow_rejects_a_wrong_password(sbx):
    creds = sbx.salesforce
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        Salesforce(username=creds["username"], password="wrong",
                   consumer_key=creds["consumer_key"], consumer_secret=creds["consumer_secret"],
                   session=session_for(sbx, "https://login.salesforce.com"), version="59.0")
    assert err.value.code == "invalid_grant"
