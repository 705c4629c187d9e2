"""One person, one open empathy task, whatever sequence of nights (a property test)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empathy_engine.models.action_keys import action_key
from empathy_engine.models.capacity import apply_capacity
from empathy_engine.models.one_task import (
    earlier_decisions,
    fingerprints,
    most_engaged_records,
    one_task_per_person,
    opt_out_key,
)

PEOPLE = ("ann@x.com", "bob@x.com", "cy@x.com", "di@x.com")
CRMS = ("salesforce", "hubspot")
#: (action, reason, write) the policy may decide
CHOICES = (
    ("offer", "drift", True),
    ("support_note", "frustration", True),
    ("support_note", "open_request", True),
    ("silence", "opted_out", True),
    ("silence", "opted_out", False),
    ("silence", "saturation", True),
    ("silence", "asked_fewer_contacts", True),
    ("silence", "not_at_risk", False),
    ("silence", "holdout", False),
    ("silence", "lapsed", False),
)
START = dt.date(2026, 10, 5)


class FakeCrms:
    """Both CRMs' empathy tasks, written the way write-back should: upsert by (crm, key),
    a completed task stays completed, ``close_keys`` complete tasks."""

    def __init__(self):
        self.tasks: dict[tuple[str, str], dict] = {}

    def open_actions(self) -> pd.DataFrame:
        rows = [{"contact_key": t["contact_key"], "source": crm, "action_key": key}
                for (crm, key), t in self.tasks.items() if t["open"]]
        return pd.DataFrame(rows, columns=["contact_key", "source", "action_key"])

    def write(self, decisions: pd.DataFrame) -> None:
        for row in decisions.to_dict("records"):
            closes = row.get("close_keys")
            for item in (closes if isinstance(closes, str) else "").split():
                crm, key = item.split(":", 1)
                if (crm, key) in self.tasks:
                    self.tasks[(crm, key)]["open"] = False
            if row["write"]:
                where = (row["target_crm"], row["action_key"])
                task = self.tasks.setdefault(where, {"contact_key": row["contact_key"],
                                                     "open": True})
                task["action"] = row["action"]

    def complete(self, picks: list[int]) -> None:
        keys = sorted(k for k, t in self.tasks.items() if t["open"])
        for pick in picks:
            if keys:
                self.tasks[keys[pick % len(keys)]]["open"] = False

    def open_per_person(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for task in self.tasks.values():
            if task["open"]:
                counts[task["contact_key"]] = counts.get(task["contact_key"], 0) + 1
        return counts


def _contacts(memberships) -> pd.DataFrame:
    rows = []
    for person, crms in zip(PEOPLE, memberships, strict=True):
        for crm in crms:
            rows.append({"contact_key": person, "source": crm, "source_id": f"{crm}-{person}",
                         "owner_id": f"{crm}-owner", "updated_at": pd.Timestamp("2026-01-01",
                                                                              tz="UTC")})
    return pd.DataFrame(rows)


def _night_decisions(choices, day) -> pd.DataFrame:
    rows = []
    for person, pick in zip(PEOPLE, choices, strict=True):
        action, reason, write = CHOICES[pick]
        rows.append({"contact_key": person, "action": action, "reason": reason,
                     "write": write, "action_key": action_key(person, day),
                     "probability": 0.7, "why": "w", "priority": "Normal",
                     "hold_until": day + dt.timedelta(days=14) if action == "silence" else None,
                     "due_date": day, "opted_out": reason == "opted_out",
                     "request_topic": "a quote" if reason == "open_request" else None,
                     "case_subject": None})
    frame = pd.DataFrame(rows)
    frame["fingerprint"] = fingerprints(frame)
    return frame


memberships = st.lists(st.sampled_from([("salesforce",), ("hubspot",), CRMS]),
                       min_size=len(PEOPLE), max_size=len(PEOPLE))
nights = st.lists(st.tuples(st.lists(st.integers(0, len(CHOICES) - 1), min_size=len(PEOPLE),
                                     max_size=len(PEOPLE)),
                            st.lists(st.integers(0, 50), max_size=2),
                            st.booleans()),
                  min_size=1, max_size=6)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(memberships=memberships, nights=nights)
def test_no_sequence_of_nights_leaves_a_person_with_two_open_tasks(memberships, nights,
                                                                   tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    contacts = _contacts(memberships)
    crms = FakeCrms()
    for offset, (choices, completed, rerun) in enumerate(nights):
        day = START + dt.timedelta(days=offset)
        for _ in range(2 if rerun else 1):  # a re-run of the same night changes nothing
            open_actions = crms.open_actions()
            earlier = earlier_decisions(runs, open_actions, day)
            routes = most_engaged_records(contacts, None, day)
            decided = one_task_per_person(_night_decisions(choices, day), open_actions,
                                          earlier, routes, day, contacts=contacts)
            decided = apply_capacity(decided.assign(expected_benefit=1.0,
                                                    target_owner_id="owner"), day, per_owner=2)
            (runs / day.isoformat()).mkdir(exist_ok=True)
            decided.to_parquet(runs / day.isoformat() / "decisions.parquet", index=False)
            crms.write(decided)
            assert max(crms.open_per_person().values(), default=0) <= 1
        crms.complete(completed)


def _night(day, crms, contacts, choices, runs):
    open_actions = crms.open_actions()
    decided = one_task_per_person(_night_decisions(choices, day), open_actions,
                                  earlier_decisions(runs, open_actions, day),
                                  most_engaged_records(contacts, None, day), day,
                                  contacts=contacts)
    (runs / day.isoformat()).mkdir(exist_ok=True)
    decided.to_parquet(runs / day.isoformat() / "decisions.parquet", index=False)
    crms.write(decided)
    return decided.set_index("contact_key")


def test_an_opt_out_is_one_standing_record_written_once(tmp_path):
    contacts, crms = _contacts([CRMS] * 4), FakeCrms()
    opted = [3, 3, 7, 7]  # ann and bob opted out and written
    first = _night(START, crms, contacts, opted, tmp_path)
    assert first.loc["ann@x.com", "action_key"] == opt_out_key("ann@x.com")
    second = _night(START + dt.timedelta(days=1), crms, contacts, opted, tmp_path)
    assert not second.loc["ann@x.com", "write"]
    assert second.loc["ann@x.com", "task_state"] == "keep"
    assert len(crms.tasks) == 2  # one record each for ann and bob, in one CRM


def test_an_offer_that_becomes_a_support_note_updates_the_open_task(tmp_path):
    contacts, crms = _contacts([("hubspot",), CRMS, CRMS, CRMS]), FakeCrms()
    _night(START, crms, contacts, [0, 7, 7, 7], tmp_path)
    same = _night(START + dt.timedelta(days=1), crms, contacts, [0, 7, 7, 7], tmp_path)
    assert same.loc["ann@x.com", "task_state"] == "keep"
    changed = _night(START + dt.timedelta(days=2), crms, contacts, [1, 7, 7, 7], tmp_path)
    row = changed.loc["ann@x.com"]
    assert row["task_state"] == "update" and row["write"]
    assert row["action_key"] == row["supersedes"] == action_key("ann@x.com", START)
    assert [t["action"] for t in crms.tasks.values()] == ["support_note"]
    gone = _night(START + dt.timedelta(days=3), crms, contacts, [7, 7, 7, 7], tmp_path)
    assert gone.loc["ann@x.com", "task_state"] == "close"
    assert gone.loc["ann@x.com", "close_keys"] == f"hubspot:{action_key('ann@x.com', START)}"


def test_the_task_goes_to_the_crm_the_person_is_most_engaged_with():
    contacts = _contacts([CRMS] * 4)
    acts = pd.DataFrame({"contact_key": ["ann@x.com"] * 3 + ["bob@x.com"],
                         "source": ["hubspot", "hubspot", "salesforce", "salesforce"],
                         "ts": pd.to_datetime(["2026-10-01", "2026-10-02", "2026-10-03",
                                               "2026-10-01"], utc=True),
                         "direction": ["inbound", "inbound", "outbound", "outbound"]})
    routes = most_engaged_records(contacts, acts, START).set_index("contact_key")
    assert routes.loc["ann@x.com", "target_crm"] == "hubspot"
    assert routes.loc["bob@x.com", "target_crm"] == "salesforce"
    assert routes.loc["ann@x.com", "target_owner_id"] == "hubspot-owner"
