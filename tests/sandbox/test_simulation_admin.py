"""Truth and advance: the simulator behind the admin endpoints."""

import pytest

from empathy_sandbox.server.simulation_admin import classify
from empathy_sandbox.testing import running_sandbox

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("subject, action", [
    ("Reach out to help: 2 open cases", "support_note"),
    ("Check in with a relevant offer: activity down 60%; suggest a review", "offer"),
    ("Hold outreach until 2026-12-01, because too many emails", "silence"),
    ("Lunch", None),
])
def test_classify_reads_the_task_subject(subject, action):
    assert classify({"subject": subject, "action_key": "ee-20261101-abc"}) == action


def test_truth_then_advance_applies_written_tasks(tmp_path, clients):
    make_sf, _ = clients
    with running_sandbox(tmp_path / "s", contacts=120, days=60) as info:
        truth = info.admin("GET", "truth").json()
        assert truth["as_of"] == info["now"][:10] and len(truth["people"]) == 120
        person = truth["people"][0]
        assert set(person) == {"person_id", "email", "state", "p_drop", "best_action"}
        assert 0 <= person["p_drop"] <= 1
        assert info.admin("GET", "truth", params={"as_of": "nope"}).status_code == 400
        sf = make_sf(info)
        contact = sf.query("SELECT Id, Email FROM Contact ORDER BY Email LIMIT 1")["records"][0]
        sf.Task.upsert("Empathy_Key__c/advance-1", {"WhoId": contact["Id"],
                                                   "Subject": "Reach out to help: outage"})
        before = sf.query("SELECT COUNT() FROM EmailMessage")["totalSize"]
        moved = info.admin("POST", "advance", json={"days": 14}).json()
        assert moved["actions_applied"] == {"support_note": 1}
        assert moved["now"] > moved["previous_now"]
        assert sf.query("SELECT COUNT() FROM EmailMessage")["totalSize"] >= before
        task = sf.Task.get_by_custom_id("Empathy_Key__c", "advance-1")  # kept, same id
        assert task["WhoId"] == contact["Id"]
        again = info.admin("POST", "advance", json={"days": 7}).json()
        assert again["actions_applied"] == {}  # each task is applied once
        assert info.admin("POST", "advance", json={"days": 0}).status_code == 400
        refreshed = info.info_file.read_text()
        assert again["now"] in refreshed  # the info file follows simulated time
    state_dir = tmp_path / "s"
    assert (state_dir / "world" / "manifest.json").exists()
    assert not list(state_dir.rglob("*.pkl"))  # the world is saved without pickle
    with running_sandbox(state_dir, contacts=120, days=60) as info:  # reused, world and all
        assert info["now"] == again["now"]
        assert info.admin("GET", "truth").json()["now"] == again["now"]
