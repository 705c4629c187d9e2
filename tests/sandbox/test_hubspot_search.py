"""HubSpot search (``POST /crm/v3/objects/{type}/search``) through the unmodified client:
operators, date formats, sorts as strings, HubSpot's filter limits, and its missing
rate-limit headers."""

import json

import pytest
from hubspot.crm.contacts import ApiException as ContactsApiException

pytestmark = pytest.mark.integration


def search(hs, **request):
    return hs.crm.contacts.search_api.do_search(public_object_search_request=request)


def where(*filters) -> dict:
    return {"filterGroups": [{"filters": list(filters)}]}


def optout(operator: str, **value) -> dict:
    return {"propertyName": "hs_email_optout", "operator": operator, **value}


def test_operators_partition_the_contacts(hs):
    total = search(hs).total
    opted = search(hs, **where(optout("EQ", value="true"))).total
    assert 0 < opted < total
    assert search(hs, **where(optout("NEQ", value="true"))).total == total - opted
    assert search(hs, **where(optout("IN", values=["true", "false"]))).total == total
    assert search(hs, **where(optout("NOT_IN", values=["true"]))).total == total - opted
    assert search(hs, **where(optout("NOT_HAS_PROPERTY"))).total == 0
    ids = sorted(int(r.id) for r in search(hs, limit=200).results)
    low, high = ids[1], ids[3]
    between = search(hs, **where({"propertyName": "hs_object_id", "operator": "BETWEEN",
                                  "value": str(low), "highValue": str(high)}), limit=200)
    assert sorted(int(r.id) for r in between.results) == [i for i in ids if low <= i <= high]
    below = search(hs, **where({"propertyName": "hs_object_id", "operator": "LT",
                                "value": str(low)}))
    assert below.total == ids.index(low)


def test_contains_token_finds_a_word_of_the_value(hs):
    contact = search(hs, properties=["firstname"], limit=1).results[0]
    first = contact.properties["firstname"]
    found = search(hs, **where({"propertyName": "firstname", "operator": "CONTAINS_TOKEN",
                                "value": first.lower()}), properties=["firstname"], limit=200)
    assert contact.id in {r.id for r in found.results}
    assert all(r.properties["firstname"].lower() == first.lower() for r in found.results)


def test_dates_as_epoch_milliseconds_or_iso(hs):
    newest = search(hs, sorts=[{"propertyName": "createdate", "direction": "DESCENDING"}],
                    properties=["createdate"], limit=1).results[0]
    iso = newest.properties["createdate"]
    by_iso = search(hs, **where({"propertyName": "createdate", "operator": "GTE",
                                 "value": iso}))
    epoch_ms = str(int(newest.created_at.timestamp() * 1000))
    by_epoch = search(hs, **where({"propertyName": "createdate", "operator": "GTE",
                                   "value": epoch_ms}))
    assert by_iso.total == by_epoch.total >= 1
    assert newest.id in {r.id for r in by_epoch.results}


def test_sorts_may_be_strings(hs):
    # client 12 types `sorts` as list[str]; "-name" sorts descending
    down = search(hs, sorts=["-hs_object_id"], limit=5).results
    up = search(hs, sorts=["hs_object_id"], limit=5).results
    assert [int(r.id) for r in down] == sorted((int(r.id) for r in down), reverse=True)
    assert [int(r.id) for r in up] == sorted(int(r.id) for r in up)
    assert int(down[0].id) > int(up[0].id)


def test_paging_has_no_link_and_stops_at_the_total(hs):
    total = search(hs).total
    seen, after = [], None
    while True:
        page = search(hs, limit=200, **({"after": after} if after else {}))
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        assert page.paging.next.link is None
        after = page.paging.next.after
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize("request_body", [
    {"filterGroups": [{"filters": [optout("EQ", value="true")]}] * 6},  # at most 5 groups
    {"filterGroups": [{"filters": [optout("EQ", value="true")] * 7}]},  # at most 6 per group
    {"filterGroups": [{"filters": [optout("EQ", value="true")] * 6}] * 4},  # 24 > 18 in all
    {"filterGroups": [{"filters": [{"propertyName": "no_such_prop", "operator": "EQ",
                                    "value": "x"}]}]},
    {"sorts": [{"propertyName": "no_such_prop", "direction": "ASCENDING"}]},
])
def test_requests_hubspot_refuses_are_400(hs, request_body):
    with pytest.raises(ContactsApiException) as err:
        search(hs, **request_body)
    assert err.value.status == 400
    assert json.loads(err.value.body)["category"] == "VALIDATION_ERROR"


def test_search_answers_carry_no_rate_limit_headers(hs):
    api = hs.crm.contacts.search_api
    api.do_search(public_object_search_request={"limit": 1})
    headers = api.api_client.last_response.getheaders()
    assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]
    assert headers["X-HubSpot-Correlation-Id"]
    assert headers["Content-Type"].startswith("application/json")
    listing = hs.crm.contacts.basic_api
    listing.get_page(limit=1)
    assert "X-HubSpot-RateLimit-Remaining" in listing.api_client.last_response.getheaders()
