"""The Salesforce REST API, driven only through the unmodified simple-salesforce client."""

import uuid

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

pytestmark = pytest.mark.integration


def contact_id(sf) -> str:
    return sf.query("SELECT Id FROM Contact ORDER BY Email LIMIT 1")["records"][0]["Id"]


def key() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_query_with_relationships_and_paging(sf, sbx):
    seeded = sbx.admin("GET", "stats").json()["seeded"]["counts"]["EmailMessage"]
    first = sf.query("SELECT Id, FromAddress, Parent.Status FROM EmailMessage",
                     headers={"Sforce-Query-Options": "batchSize=200"})
    assert first["totalSize"] == seeded and not first["done"]
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert len(first["records"]) == 200
    everything = sf.query_all("SELECT Id, Owner.Email, Account.Industry FROM Contact")
    assert everything["totalSize"] == len(everything["records"])
    assert len({r["Id"] for r in everything["records"]}) == everything["totalSize"]
    assert all(r["Owner"]["Email"].endswith(".example") for r in everything["records"])


def test_default_page_is_2000(sf, sbx):
    page = sf.query("SELECT Id FROM EmailMessage")
    total = sbx.admin("GET", "stats").json()["seeded"]["counts"]["EmailMessage"]
    assert len(page["records"]) == min(2000, total)
    assert page["done"] == (total <= 2000)


def test_unknown_field_is_invalid_field(sf):
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id, Nonsense__c FROM Contact")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id FROM Contact GROUP BY Email")
    assert err.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_wrong_session_is_401_in_salesforce_format(sbx, clients):
    make_sf, _ = clients
    bad = make_sf(sbx, session_id="00Dwrong")
    with pytest.raises(SalesforceExpiredSession) as err:
        bad.query("SELECT Id FROM Contact")
    assert err.value.content == [{"message": "Session expired or invalid",
                                  "errorCode": "INVALID_SESSION_ID"}]


def test_create_get_and_upsert_task(sf):
    who = contact_id(sf)
    k = key()
    created = sf.Task.create({"WhoId": who, "Subject": "Check in", "Empathy_Key__c": k})
    assert created["success"] and created["id"].startswith("00T") and len(created["id"]) == 18
    task = sf.Task.get(created["id"])
    assert task["Status"] == "Not Started" and task["Priority"] == "Normal"
    assert task["IsClosed"] is False and task["Empathy_Key__c"] == k
    assert sf.Task.upsert(f"Empathy_Key__c/{k}", {"Status": "Completed"}) == 200
    assert sf.Task.get(created["id"])["IsClosed"] is True
    k2 = key()
    assert sf.Task.upsert(f"Empathy_Key__c/{k2}", {"Subject": "New", "WhoId": who}) == 201
    again = sf.Task.get_by_custom_id("Empathy_Key__c", k2)
    assert again["Subject"] == "New"
    assert sf.query(f"SELECT COUNT() FROM Task WHERE Empathy_Key__c = '{k2}'")["totalSize"] == 1


def test_upsert_body_reports_created(sf, sbx):
    who = contact_id(sf)
    k = key()
    url = f"{sbx.salesforce['instance_url']}/services/data/v59.0/sobjects/Task/Empathy_Key__c/{k}"
    headers = {"Authorization": f"Bearer {sbx.salesforce['session_id']}"}
    with sbx.salesforce_session() as s:
        first = s.patch(url, json={"Subject": "a", "WhoId": who}, headers=headers)
        second = s.patch(url, json={"Subject": "b"}, headers=headers)
    assert first.status_code == 201 and first.json()["created"] is True
    assert second.status_code == 200 and second.json()["created"] is False
    assert first.json()["id"] == second.json()["id"]
    assert "api-usage=" in second.headers["Sforce-Limit-Info"]


def test_upsert_on_a_field_that_is_not_an_external_id(sf):
    with pytest.raises(SalesforceResourceNotFound) as err:
        sf.Task.upsert("Subject/abc", {"Subject": "x"})
    assert err.value.content[0]["errorCode"] == "NOT_FOUND"


def test_collection_upsert_per_record_errors_and_no_duplicates(sf, sbx):
    who = contact_id(sf)
    k1, k2 = key(), key()
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Task"}, "Empathy_Key__c": k1, "WhoId": who, "Subject": "A"},
        {"attributes": {"type": "Task"}, "Empathy_Key__c": k2, "WhoId": "bad", "Subject": "B"},
    ]}
    result = sf.restful("composite/sobjects/Task/Empathy_Key__c", method="PATCH", json=body)
    assert result[0]["success"] and result[0]["created"] is True
    assert not result[1]["success"]
    assert result[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    again = sf.restful("composite/sobjects/Task/Empathy_Key__c", method="PATCH", json=body)
    assert again[0]["created"] is False and again[0]["id"] == result[0]["id"]
    keys = [t["action_key"] for t in sbx.admin("GET", "tasks").json()]
    assert keys.count(k1) == 1 and k2 not in keys


def test_collection_all_or_none_rolls_back(sf, sbx):
    who = contact_id(sf)
    k1 = key()
    body = {"allOrNone": True, "records": [
        {"attributes": {"type": "Task"}, "Empathy_Key__c": k1, "WhoId": who, "Subject": "A"},
        {"attributes": {"type": "Task"}, "WhoId": who, "Subject": "B", "Status": "Bogus"},
    ]}
    result = sf.restful("composite/sobjects", method="POST", json=body)
    assert result[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert result[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert k1 not in [t["action_key"] for t in sbx.admin("GET", "tasks").json()]


def test_collection_limit_is_200(sf):
    records = [{"attributes": {"type": "Task"}, "Subject": str(i)} for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert err.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


@pytest.mark.parametrize("fields, code", [
    ({"Subject": "x" * 256}, "STRING_TOO_LONG"),
    ({"Priority": "Urgent"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"WhoId": "001000000000000AAA"}, "MALFORMED_ID"),
    ({"WhoId": "0038d0009999999AAA"}, "INVALID_CROSS_REFERENCE_KEY"),
    ({"IsClosed": True}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"Bogus__c": 1}, "INVALID_FIELD"),
    ({"ActivityDate": "next week"}, "JSON_PARSER_ERROR"),
])
def test_task_validation(sf, fields, code):
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Task.create({"Subject": "ok", **fields})
    assert err.value.content[0]["errorCode"] == code


def test_describe_and_limits(sf):
    fields = {f["name"]: f for f in sf.Task.describe()["fields"]}
    assert fields["Empathy_Key__c"]["externalId"] and fields["Empathy_Key__c"]["unique"]
    assert {"Not Started", "Completed"} <= {p["value"] for p in fields["Status"]["picklistValues"]}
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] > limits["DailyApiRequests"]["Remaining"]
    assert sf.api_usage["api-usage"].used >= 1


def test_trailing_slash_and_other_versions(sbx):
    base = sbx.salesforce["instance_url"]
    headers = {"Authorization": f"Bearer {sbx.salesforce['session_id']}"}
    with sbx.salesforce_session() as s:
        for path in ("/services/data/v52.0/limits/", "/services/data/v59.0/limits"):
            assert s.get(base + path, headers=headers).status_code == 200


def test_update_and_delete_then_query_all(sf):
    who = contact_id(sf)
    tid = sf.Task.create({"WhoId": who, "Subject": "to delete"})["id"]
    assert sf.Task.update(tid, {"Subject": "renamed"}) == 204
    assert sf.Task.delete(tid) == 204
    assert sf.query(f"SELECT Id FROM Task WHERE Id = '{tid}'")["totalSize"] == 0
    rows = sf.query_all(f"SELECT Id, IsDeleted, Subject FROM Task WHERE Id = '{tid}'",
                        include_deleted=True)["records"]
    assert rows[0]["IsDeleted"] is True and rows[0]["Subject"] == "renamed"


def test_stats_count_calls(sf, sbx):
    before = sbx.admin("GET", "stats").json()["salesforce"]["by_endpoint"].get("limits", 0)
    sf.limits()
    after = sbx.admin("GET", "stats").json()["salesforce"]["by_endpoint"]["limits"]
    assert after == before + 1


def test_plain_http_is_refused(sbx):
    url = sbx.salesforce["instance_url"].replace("https://", "http://")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/services/data/v59.0/limits", timeout=5)


def test_get_by_custom_id_decodes_quote_plus(sf):
    k = f"{key()} with spaces"  # simple-salesforce sends it quote_plus'd: spaces as '+'
    created = sf.Task.create({"WhoId": contact_id(sf), "Subject": "spaced", "Empathy_Key__c": k})
    assert sf.Task.get_by_custom_id("Empathy_Key__c", k)["Id"] == created["id"]


def test_fifteen_character_id_reads_the_record(sf):
    cid = contact_id(sf)
    assert sf.Contact.get(cid[:15])["Id"] == cid


def test_create_only_and_required_fields(sf):
    tid = sf.Task.create({"WhoId": contact_id(sf), "Subject": "call", "TaskSubtype": "Call"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Task.update(tid, {"TaskSubtype": "Email"})  # createable, not updateable
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Contact.create({"FirstName": "No", "Email": f"{key()}@example.com"})
    assert err.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert err.value.content[0]["fields"] == ["LastName"]


def test_collection_update_and_delete(sf):
    who = contact_id(sf)
    ids = [sf.Task.create({"WhoId": who, "Subject": f"c{i}"})["id"] for i in range(2)]
    updated = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False,
                         "records": [{"attributes": {"type": "Task"}, "id": ids[0],
                                      "Subject": "renamed"},
                                     {"attributes": {"type": "Task"}, "id": ids[1],
                                      "Priority": "Someday"}]})
    assert updated[0] == {"id": ids[0], "success": True, "errors": []}
    assert updated[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert sf.Task.get(ids[0])["Subject"] == "renamed"
    deleted = sf.restful("composite/sobjects", method="DELETE",
                         params={"ids": ",".join(ids), "allOrNone": "false"})
    assert [d["success"] for d in deleted] == [True, True]
    assert sf.query(f"SELECT COUNT() FROM Task WHERE Id IN ('{ids[0]}', '{ids[1]}')"
                    )["totalSize"] == 0


def test_proxy_variables_do_not_reach_the_sandbox(sbx, clients, monkeypatch):
    dead = "http://127.0.0.1:9"  # nothing listens there
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, dead)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    make_sf, make_hs = clients
    assert make_sf(sbx).limits()["DailyApiRequests"]["Max"] > 0  # trust_env is off
    assert make_hs(sbx).crm.contacts.basic_api.get_page(limit=1).results  # urllib3 ignores them
    assert sbx.admin("GET", "stats").status_code == 200
