"""Fault switches (``--faults`` / ``POST /_admin/faults``) seen through the real clients."""

import json
import time

import pytest
import requests
from hubspot.crm.contacts import ApiException as ContactsApiException
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from empathy_sandbox.server.accounting import Faults
from empathy_sandbox.testing import running_sandbox

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("faults"), contacts=50, days=30) as info:
        yield info


@pytest.fixture
def faults(faulty):
    def switch(**settings):
        response = faulty.admin("POST", "faults", json=settings)
        assert response.status_code == 200, response.text
    yield switch
    switch()  # {} switches everything off


def test_unknown_fault_is_refused(faulty):
    response = faulty.admin("POST", "faults", json={"error_rat": 0.1})
    assert response.status_code == 400 and "error_rate" in response.json()["error"]
    with pytest.raises(ValueError):
        Faults.from_json({"error_rate": 1.5})


def test_error_rate_gives_5xx_in_each_format(faulty, faults, clients):
    make_sf, make_hs = clients
    faults(error_rate=1.0)
    with pytest.raises(SalesforceGeneralError) as err:
        make_sf(faulty).limits()
    assert err.value.status == 503
    assert err.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    with pytest.raises(ContactsApiException) as err:
        make_hs(faulty).crm.contacts.basic_api.get_page()
    assert err.value.status == 502
    faults()
    assert make_sf(faulty).limits()["DailyApiRequests"]["Max"] > 0


def test_burst_limit_gives_429_ten_secondly(faulty, faults, clients):
    _, make_hs = clients
    faults(rate_limit_burst=3)
    api = make_hs(faulty).crm.contacts.basic_api
    for _ in range(3):
        api.get_page(limit=1)
    with pytest.raises(ContactsApiException) as err:
        api.get_page(limit=1)
    body = json.loads(err.value.body)
    assert err.value.status == 429
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert err.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    stats = faulty.admin("GET", "stats").json()["hubspot"]["refused"]
    assert any("429 rate_limit" in k for k in stats)


def test_search_is_limited_per_second(faulty, faults, clients):
    _, make_hs = clients
    faults(rate_limit_burst=True)
    search = make_hs(faulty).crm.contacts.search_api
    statuses = []
    for _ in range(7):
        try:
            search.do_search(public_object_search_request={"limit": 1})
            statuses.append(200)
        except ContactsApiException as exc:
            statuses.append(exc.status)
            assert json.loads(exc.body)["policyName"] == "SECONDLY"
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:]


def test_daily_limits(faulty, faults, clients):
    make_sf, make_hs = clients
    faults(salesforce_daily_limit=2, hubspot_daily_limit=2)
    sf = make_sf(faulty)
    sf.limits()
    assert sf.limits()["DailyApiRequests"] == {"Max": 2, "Remaining": 0}
    with pytest.raises(SalesforceRefusedRequest) as err:
        sf.query("SELECT Id FROM Contact")
    assert err.value.status == 403
    assert err.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    api = make_hs(faulty).crm.contacts.basic_api
    api.get_page(limit=1)
    api.get_page(limit=1)
    with pytest.raises(ContactsApiException) as err:
        api.get_page(limit=1)
    assert err.value.status == 429 and json.loads(err.value.body)["policyName"] == "DAILY"


def test_latency(faulty, faults, clients):
    make_sf, _ = clients
    faults(latency_ms=300)
    started = time.monotonic()
    make_sf(faulty).limits()
    assert time.monotonic() - started >= 0.3


class _LoginToSandbox(requests.adapters.HTTPAdapter):
    """Routes https://login.salesforce.com to the sandbox, as a test harness would."""

    def __init__(self, instance_url: str):
        super().__init__()
        self.instance_url = instance_url

    def send(self, request, **kwargs):
        request.url = request.url.replace("https://login.salesforce.com", self.instance_url)
        return super().send(request, **kwargs)


def test_expired_sessions_and_soap_refresh(faulty, faults, clients):
    make_sf, _ = clients
    faults(expire_session_after=2)
    direct = make_sf(faulty)
    direct.limits()
    direct.limits()
    with pytest.raises(SalesforceExpiredSession):
        direct.limits()  # a direct session cannot refresh
    session = requests.Session()
    session.trust_env = False
    session.verify = faulty["salesforce"]["ca_cert"]
    session.mount("https://login.salesforce.com", _LoginToSandbox(
        faulty["salesforce"]["instance_url"]))
    creds = faulty["salesforce"]
    sf = Salesforce(username=creds["username"], password=creds["password"],
                    security_token=creds["security_token"], session=session, version="59.0")
    first = sf.session_id
    for _ in range(5):  # expires every 2 calls; the client logs in again each time
        assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0
    assert sf.session_id != first


def test_wrong_password_is_a_soap_fault(faulty):
    from simple_salesforce import SalesforceAuthenticationFailed
    session = requests.Session()
    session.trust_env = False
    session.verify = faulty["salesforce"]["ca_cert"]
    session.mount("https://login.salesforce.com", _LoginToSandbox(
        faulty["salesforce"]["instance_url"]))
    with pytest.raises(SalesforceAuthenticationFailed):
        Salesforce(username=faulty["salesforce"]["username"], password="wrong",
                   security_token="", session=session)


def test_oauth_password_flow(faulty):
    creds = faulty["salesforce"]
    session = requests.Session()
    session.trust_env = False
    session.verify = creds["ca_cert"]
    session.mount("https://login.salesforce.com", _LoginToSandbox(creds["instance_url"]))
    sf = Salesforce(username=creds["username"], password=creds["password"],
                    consumer_key=creds["consumer_key"], consumer_secret=creds["consumer_secret"],
                    session=session, version="59.0")
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] > 0


def test_faults_file_at_start(tmp_path, clients):
    make_sf, _ = clients
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"salesforce_daily_limit": 1}))
    with running_sandbox(tmp_path / "s", contacts=20, days=14,
                         extra_args=["--faults", str(path)]) as info:
        sf = make_sf(info)
        sf.limits()
        with pytest.raises(SalesforceRefusedRequest):
            sf.limits()


def _task_count(faulty) -> int:
    return len(faulty.admin("GET", "tasks").json())


def test_a_lost_answer_after_the_write_was_applied(faulty, faults, clients):
    """The write stands; the client sees a 502 (HubSpot's gateway body, Salesforce's HTML)."""
    from hubspot.crm.objects.tasks import ApiException as TasksApiException

    make_sf, make_hs = clients
    faults(lost_response_rate=1.0)
    hs = make_hs(faulty)
    contact = hs.crm.contacts.basic_api.get_page(limit=1).results[0].id  # reads are served
    before = _task_count(faulty)
    with pytest.raises(TasksApiException) as err:
        hs.crm.objects.tasks.batch_api.create(batch_input_simple_public_object_batch_input_for_create={
            "inputs": [{"properties": {"hs_timestamp": "2026-11-02T09:00:00Z",
                                       "hs_task_subject": "lost answer"},
                        "associations": [{"to": {"id": contact}, "types": [{
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": 204}]}]}]})
    assert err.value.status == 502
    sf = make_sf(faulty)
    who = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceGeneralError) as err:
        sf.Task.create({"Subject": "lost answer", "WhoId": who})
    assert err.value.status == 502
    stats = faulty.admin("GET", "stats").json()
    assert stats["hubspot"]["lost_responses"] == 1 and stats["salesforce"]["lost_responses"] == 1
    faults()
    written = [t for t in faulty.admin("GET", "tasks").json()[before:]
               if t["subject"] == "lost answer"]
    assert {t["crm"] for t in written} == {"salesforce", "hubspot"}  # both were applied
    assert all(t["contact_email"] for t in written)


def test_a_lost_answer_can_be_a_timeout_and_is_limited(faulty, faults, clients):
    make_sf, _ = clients
    faults(lost_response_rate=1.0, lost_response="timeout", lost_response_hold_ms=2000,
           lost_response_max=1)
    sf = make_sf(faulty)
    sf.session.request = _with_timeout(sf.session.request, 0.5)
    who = sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    with pytest.raises(requests.exceptions.ReadTimeout):
        sf.Task.create({"Subject": "timed out", "WhoId": who})
    assert sf.Task.create({"Subject": "answered", "WhoId": who})["success"]  # max reached
    faults()
    subjects = [t["subject"] for t in faulty.admin("GET", "tasks").json()]
    assert "timed out" in subjects and "answered" in subjects


def _with_timeout(request, seconds):
    def send(method, url, **kwargs):
        kwargs["timeout"] = seconds
        return request(method, url, **kwargs)
    return send


def test_lost_answer_switches_are_validated(faulty):
    for bad in ({"lost_response": "maybe"}, {"lost_response_rate": 2},
                {"lost_response_max": -1}):
        response = faulty.admin("POST", "faults", json=bad)
        assert response.status_code == 400, bad
