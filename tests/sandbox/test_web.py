"""The web page: contacts list (search, paging) and a contact's timeline and tasks."""

import re

import pytest
import requests

pytestmark = pytest.mark.integration


def get(sbx, path, **params):
    with requests.Session() as s:
        s.trust_env = False
        return s.get(sbx.web_url.rstrip("/") + path, params=params, timeout=30)


def test_contacts_page_lists_and_searches(sbx):
    page = get(sbx, "/")
    assert page.status_code == 200 and "Contacts" in page.text
    links = re.findall(r'href="/contacts/(\d+)"', page.text)
    assert len(links) == 50  # one page
    assert 'id="next"' in page.text
    second = get(sbx, "/", page=2)
    assert set(re.findall(r'href="/contacts/(\d+)"', second.text)).isdisjoint(links)
    email = re.search(r"<td>([\w.+-]+@[\w.-]+)", page.text).group(1)
    found = get(sbx, "/", q=email)
    assert len(re.findall(r'href="/contacts/(\d+)"', found.text)) == 1
    assert "No contact matches" in get(sbx, "/", q="no-such-person-anywhere").text


def test_contact_page_shows_timeline_and_written_tasks(sbx, sf):
    rec = sf.query("SELECT Id, Email FROM Contact ORDER BY Email LIMIT 1")["records"][0]
    sf.Task.upsert("Empathy_Key__c/web-page-task", {"WhoId": rec["Id"],
                                                    "Subject": "Acknowledge the outage"})
    listing = get(sbx, "/", q=rec["Email"])
    person = re.search(r'href="/contacts/(\d+)"', listing.text).group(1)
    page = get(sbx, f"/contacts/{person}")
    assert page.status_code == 200
    assert rec["Email"] in page.text
    assert "Acknowledge the outage" in page.text and "web-page-task" in page.text
    rows = re.search(r'<table id="timeline">(.*?)</table>', page.text, re.S).group(1)
    assert rows.count("<tr>") > 1
    assert get(sbx, "/contacts/999999999").status_code == 404
