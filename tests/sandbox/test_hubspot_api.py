"""The HubSpot CRM API, driven only through the unmodified hubspot-api-client."""

import json
import uuid

import pytest
from hubspot.crm.associations.v4 import ApiException as AssociationsApiException
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.objects import ApiException as ObjectsApiException
from hubspot.crm.objects.tasks import ApiException as TasksApiException
from hubspot.crm.properties import ApiException as PropertiesApiException

pytestmark = pytest.mark.integration


def seeded(sbx, table):
    return sbx.admin("GET", "stats").json()["seeded"]["counts"][table]


def first_contact(hs):
    return hs.crm.contacts.basic_api.get_page(limit=1).results[0]


def ensure_key_property(hs):
    core = hs.crm.properties.core_api
    try:
        return core.get_by_name("tasks", "empathy_key")
    except PropertiesApiException as exc:
        assert exc.status == 404
    return core.create("tasks", {"name": "empathy_key", "label": "Empathy key", "type": "string",
                                 "fieldType": "text", "groupName": "taskinformation",
                                 "hasUniqueValue": True})


def test_get_all_pages_to_the_end(hs, sbx):
    contacts = hs.crm.contacts.get_all()
    assert len(contacts) == seeded(sbx, "hs_contacts")
    assert len({c.id for c in contacts}) == len(contacts)
    emails = hs.crm.objects.get_all("emails")  # crashes if the last page carried `paging`
    assert len(emails) == seeded(sbx, "hs_emails")


def test_list_paging_properties_and_associations(hs):
    api = hs.crm.objects.basic_api
    page = api.get_page("0-49", limit=3, properties=["hs_email_direction,hs_timestamp"],
                        associations=["contacts"])
    assert len(page.results) == 3 and page.paging.next.after
    first = page.results[0]
    assert set(first.properties) >= {"hs_email_direction", "hs_timestamp", "hs_object_id"}
    assert first.properties["hs_email_direction"] in ("EMAIL", "INCOMING_EMAIL")
    assert first.associations["contacts"].results[0].type == "email_to_contact"
    after = api.get_page("emails", limit=3, after=page.paging.next.after)
    assert int(after.results[0].id) > int(page.results[-1].id)
    repeated = api.get_page("calls", limit=1, properties=["hs_call_direction", "hs_call_body"])
    assert set(repeated.results[0].properties) >= {"hs_call_direction", "hs_call_body"}


def test_contacts_properties(hs):
    c = hs.crm.contacts.basic_api.get_page(
        limit=1, properties=["email", "hs_email_optout", "hubspot_owner_id",
                             "associatedcompanyid", "jobtitle"]).results[0]
    assert c.properties["hs_email_optout"] in ("true", "false")
    owner = hs.crm.owners.owners_api.get_by_id(c.properties["hubspot_owner_id"])
    assert owner.email.endswith(".example")
    company = hs.crm.companies.basic_api.get_by_id(c.properties["associatedcompanyid"],
                                                   properties=["name", "industry"])
    assert company.properties["industry"]


def test_ticket_history_shows_escalation(hs):
    tickets, after = [], None
    while True:  # HubSpot caps pages at 50 when propertiesWithHistory is asked for
        page = hs.crm.tickets.basic_api.get_page(
            limit=50, after=after, properties=["hs_ticket_priority"],
            properties_with_history=["hs_ticket_priority", "hs_pipeline_stage"])
        tickets += page.results
        if page.paging is None:
            break
        after = page.paging.next.after
    with pytest.raises(ObjectsApiException) as err:
        hs.crm.objects.basic_api.get_page("tickets", limit=51,
                                          properties_with_history=["hs_pipeline_stage"])
    assert err.value.status == 400
    urgent = [t for t in tickets if t.properties["hs_ticket_priority"] == "URGENT"]
    assert urgent, "the simulated world should have escalated tickets"
    history = urgent[0].properties_with_history["hs_ticket_priority"]
    assert history[0].value == "URGENT" and len(history) >= 2
    assert history[0].timestamp >= history[-1].timestamp


def test_search_filters_sorts_and_cap(hs):
    api = hs.crm.contacts.search_api
    everyone = api.do_search(public_object_search_request={"limit": 200})
    opted = api.do_search(public_object_search_request={
        "filterGroups": [{"filters": [{"propertyName": "hs_email_optout", "operator": "EQ",
                                       "value": "true"}]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "DESCENDING"}],
        "properties": ["email"], "limit": 5})
    assert 0 < opted.total < everyone.total
    ids = [int(r.id) for r in opted.results]
    assert ids == sorted(ids, reverse=True)
    either = api.do_search(public_object_search_request={"filterGroups": [
        {"filters": [{"propertyName": "hs_email_optout", "operator": "EQ", "value": "true"}]},
        {"filters": [{"propertyName": "hs_email_optout", "operator": "EQ", "value": "false"}]},
    ]})
    assert either.total == everyone.total
    recent = api.do_search(public_object_search_request={"filterGroups": [{"filters": [
        {"propertyName": "createdate", "operator": "GTE", "value": "0"}]}]})
    assert recent.total == everyone.total
    with pytest.raises(ContactsApiException) as err:
        api.do_search(public_object_search_request={"after": "10000"})
    assert err.value.status == 400
    with pytest.raises(ContactsApiException) as err:
        api.do_search(public_object_search_request={"limit": 201})
    assert err.value.status == 400


def test_search_by_association(hs):
    contact = first_contact(hs)
    found = hs.crm.objects.search_api.do_search("emails", public_object_search_request={
        "filterGroups": [{"filters": [{"propertyName": "associations.contact", "operator": "EQ",
                                       "value": contact.id}]}], "limit": 100})
    v4 = hs.crm.associations.v4.basic_api.get_page("contacts", contact.id, "emails")
    assert sorted(int(r.id) for r in found.results) == sorted(int(r.to_object_id)
                                                                for r in v4.results)


def test_batch_read_reports_missing_ids(hs):
    ids = [c.id for c in hs.crm.contacts.basic_api.get_page(limit=2).results]
    both = hs.crm.contacts.batch_api.read(batch_read_input_simple_public_object_id={
        "inputs": [{"id": i} for i in ids], "properties": ["email"]})
    assert sorted(r.id for r in both.results) == sorted(ids) and not getattr(both, "errors", None)
    partial = hs.crm.contacts.batch_api.read(batch_read_input_simple_public_object_id={
        "inputs": [{"id": ids[0]}, {"id": "999999999"}], "properties": ["email"]})
    assert [r.id for r in partial.results] == [ids[0]]
    assert partial.errors[0].context["ids"] == ["999999999"]


def test_batch_create_with_associations(hs, sbx):
    contact = first_contact(hs)
    subject = f"create-{uuid.uuid4().hex[:8]}"
    created = hs.crm.objects.tasks.batch_api.create(
        batch_input_simple_public_object_batch_input_for_create={"inputs": [{
            "properties": {"hs_timestamp": "2026-11-02T09:00:00Z", "hs_task_subject": subject,
                           "hs_task_priority": "HIGH", "hs_task_type": "TODO"},
            "associations": [{"to": {"id": contact.id}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}]}]}]})
    assert created is not None, "batch create must answer 201, or the client returns None"
    task = created.results[0]
    assert task.properties["hs_task_status"] == "NOT_STARTED"
    linked = hs.crm.associations.v4.basic_api.get_page("tasks", task.id, "contacts")
    assert [str(r.to_object_id) for r in linked.results] == [contact.id]
    written = [t for t in sbx.admin("GET", "tasks").json() if t["subject"] == subject]
    assert written[0]["contact_email"] == contact.properties["email"]


def test_batch_create_validation_errors(hs):
    with pytest.raises(TasksApiException) as err:
        hs.crm.objects.tasks.batch_api.create(
            batch_input_simple_public_object_batch_input_for_create={"inputs": [
                {"properties": {"hs_task_subject": "no timestamp", "hs_task_priority": "MEH",
                                "bogus_prop": "x"}}]})
    body = json.loads(err.value.body)
    assert err.value.status == 400 and body["category"] == "VALIDATION_ERROR"
    codes = {e["code"] for e in body["errors"]}
    assert codes == {"REQUIRED_PROPERTY", "INVALID_OPTION", "PROPERTY_DOESNT_EXIST"}


def test_upsert_needs_a_unique_property(hs):
    with pytest.raises(TasksApiException) as err:
        hs.crm.objects.tasks.batch_api.upsert(
            batch_input_simple_public_object_batch_input_upsert={"inputs": [
                {"id": "x", "idProperty": "hs_task_subject",
                 "properties": {"hs_timestamp": "2026-11-02T09:00:00Z"}}]})
    assert err.value.status == 400
    assert json.loads(err.value.body)["errors"][0]["code"] == "INVALID_ID_PROPERTY"


def test_upsert_by_unique_property_is_idempotent(hs, sbx):
    prop = ensure_key_property(hs)
    assert prop.has_unique_value
    key = f"k-{uuid.uuid4().hex[:10]}"
    request = {"inputs": [{"id": key, "idProperty": "empathy_key", "objectWriteTraceId": key,
                           "properties": {"hs_timestamp": "2026-11-03T09:00:00Z",
                                          "hs_task_subject": "Offer"}}]}
    api = hs.crm.objects.tasks.batch_api
    first = api.upsert(batch_input_simple_public_object_batch_input_upsert=request)
    second = api.upsert(batch_input_simple_public_object_batch_input_upsert=request)
    assert first.results[0].new is True and second.results[0].new is False
    assert first.results[0].id == second.results[0].id
    assert first.results[0].properties["empathy_key"] == key
    keys = [t["action_key"] for t in sbx.admin("GET", "tasks").json()]
    assert keys.count(key) == 1


def test_partial_failure_is_207_with_trace_ids(hs):
    ensure_key_property(hs)
    good, bad = f"g-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    result = hs.crm.objects.tasks.batch_api.upsert(
        batch_input_simple_public_object_batch_input_upsert={"inputs": [
            {"id": good, "idProperty": "empathy_key", "objectWriteTraceId": good,
             "properties": {"hs_timestamp": "2026-11-03T09:00:00Z"}},
            {"id": bad, "idProperty": "empathy_key", "objectWriteTraceId": bad,
             "properties": {"hs_timestamp": "2026-11-03T09:00:00Z", "hs_task_type": "FAX"}}]})
    assert [r.properties["empathy_key"] for r in result.results] == [good]
    assert result.errors[0].context["objectWriteTraceId"] == [bad]


def test_property_create_conflict(hs):
    ensure_key_property(hs)
    with pytest.raises(PropertiesApiException) as err:
        hs.crm.properties.core_api.create(
            "tasks", {"name": "empathy_key", "label": "again", "type": "string",
                      "fieldType": "text", "groupName": "taskinformation"})
    assert err.value.status == 409


def test_v4_batch_read(hs):
    ids = [c.id for c in hs.crm.contacts.basic_api.get_page(limit=50).results]
    result = hs.crm.associations.v4.batch_api.get_page(
        "contacts", "companies",
        batch_input_public_fetch_associations_batch_request={"inputs": [{"id": i}
                                                                         for i in ids]})
    assert {r._from.id for r in result.results} == set(ids)
    assert all(r.to[0].association_types[0].type_id == 1 for r in result.results)


def test_unknown_object_404_and_bad_token_401(hs, sbx, clients):
    with pytest.raises(ObjectsApiException) as err:
        hs.crm.objects.basic_api.get_by_id("tasks", "999999999")
    assert err.value.status == 404
    _, make_hs = clients
    with pytest.raises(ContactsApiException) as err:
        make_hs(sbx, token="wrong").crm.contacts.basic_api.get_page()
    assert err.value.status == 401
    assert json.loads(err.value.body)["category"] == "INVALID_AUTHENTICATION"


def test_rate_limit_headers_on_reads(sbx):
    import urllib3
    http = urllib3.PoolManager()
    r = http.request("GET", f"{sbx.hubspot['host']}/crm/v3/objects/contacts?limit=1",
                     headers={"Authorization": f"Bearer {sbx.hubspot['access_token']}"})
    assert r.status == 200
    assert int(r.headers["X-HubSpot-RateLimit-Max"]) >= 100
    assert "X-HubSpot-RateLimit-Daily-Remaining" in r.headers


def new_task_id(hs, subject="gap check") -> str:
    return hs.crm.objects.tasks.basic_api.create(simple_public_object_input_for_create={
        "properties": {"hs_timestamp": "2026-11-02T09:00:00Z", "hs_task_subject": subject}}).id


def test_default_properties_unset_as_null_and_unknown_omitted(hs):
    contact = first_contact(hs)
    assert set(contact.properties) == {"createdate", "email", "firstname", "hs_object_id",
                                       "lastmodifieddate", "lastname"}
    ticket = hs.crm.tickets.basic_api.get_page(limit=1).results[0]
    assert set(ticket.properties) == {"content", "createdate", "hs_lastmodifieddate",
                                      "hs_object_id", "hs_pipeline", "hs_pipeline_stage",
                                      "hs_ticket_priority", "subject"}
    note = hs.crm.objects.notes.basic_api.get_page(limit=1).results[0]
    assert set(note.properties) == {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}
    task_id = new_task_id(hs)
    task = hs.crm.objects.tasks.basic_api.get_by_id(
        task_id, properties=["hs_task_body", "no_such_property", "hs_task_subject"])
    assert task.properties["hs_task_body"] is None  # requested, unset: null
    assert "no_such_property" not in task.properties  # unknown: left out
    assert task.associations is None  # only when asked for and linked


def test_get_and_update_by_unique_property(hs):
    contact = first_contact(hs)
    email = contact.properties["email"]
    by_email = hs.crm.contacts.basic_api.get_by_id(email.upper(), id_property="email")
    assert by_email.id == contact.id
    hs.crm.contacts.basic_api.update(email, simple_public_object_input={
        "properties": {"jobtitle": "Head of Patience"}}, id_property="email")
    again = hs.crm.contacts.basic_api.get_by_id(contact.id, properties=["jobtitle"])
    assert again.properties["jobtitle"] == "Head of Patience"
    with pytest.raises(ContactsApiException) as err:
        hs.crm.contacts.basic_api.get_by_id("Ada", id_property="firstname")
    assert err.value.status == 400


def test_archive_is_204_and_hides_the_object(hs):
    api = hs.crm.objects.tasks
    one, two, three = (new_task_id(hs, f"archive {i}") for i in range(3))
    _, status, _ = api.basic_api.archive_with_http_info(one)
    assert status == 204
    _, status, _ = api.batch_api.archive_with_http_info(
        batch_input_simple_public_object_id={"inputs": [{"id": two}, {"id": three}]})
    assert status == 204
    with pytest.raises(TasksApiException) as err:
        api.basic_api.get_by_id(one)
    assert err.value.status == 404
    archived = api.basic_api.get_by_id(two, archived=True)
    assert archived.archived is True and archived.archived_at is not None
    listed = {t.id for t in hs.crm.objects.get_all("tasks")}
    assert not {one, two, three} & listed
    in_bin = api.basic_api.get_page(archived=True, limit=100).results
    assert {one, two, three} <= {t.id for t in in_bin}


def test_batch_input_limits(hs):
    with pytest.raises(ContactsApiException) as err:
        hs.crm.contacts.batch_api.read(batch_read_input_simple_public_object_id={
            "inputs": [{"id": str(i)} for i in range(101)]})
    assert err.value.status == 400
    v4 = hs.crm.associations.v4.batch_api
    ids = [{"id": c.id} for c in hs.crm.contacts.get_all()][:1000]
    page = v4.get_page("contacts", "companies",
                       batch_input_public_fetch_associations_batch_request={"inputs": ids})
    assert len(page.results) + len(getattr(page, "errors", None) or []) == len(ids)
    with pytest.raises(AssociationsApiException) as err:
        v4.get_page("contacts", "companies", batch_input_public_fetch_associations_batch_request={
            "inputs": [{"id": str(i)} for i in range(1001)]})
    assert err.value.status == 400


def test_v4_paging_and_unassociate(hs):
    v4 = hs.crm.associations.v4.basic_api
    contact = first_contact(hs)
    every = v4.get_page("contacts", contact.id, "emails").results
    assert len(every) >= 3, "the first contact should have a few emails"
    paged, after = [], None
    while True:
        page = v4.get_page("contacts", contact.id, "emails", limit=2, after=after)
        paged += page.results
        if page.paging is None:
            break
        after = page.paging.next.after
    assert [r.to_object_id for r in paged] == [r.to_object_id for r in every]
    task_id = new_task_id(hs)
    v4.create("tasks", task_id, "contacts", contact.id,
              [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}])
    _, status, _ = v4.archive_with_http_info("tasks", task_id, "contacts", contact.id)
    assert status == 204
    assert v4.get_page("tasks", task_id, "contacts").results == []
    back = {str(r.to_object_id) for r in v4.get_page("contacts", contact.id, "tasks").results}
    assert task_id not in back
