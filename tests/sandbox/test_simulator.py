"""Tests of the contact-behaviour simulator (sandbox/simulator.py and its sim_* modules)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from empathy_sandbox.simulator.generate import advance, drop_labels, generate, load_config, truth
from empathy_sandbox.simulator.world import ACTIVITY_KINDS, CRMS, STATES

SCHEMA = {
    "owners": ["id", "email", "first_name", "last_name"],
    "accounts": ["id", "name", "industry", "owner_id"],
    "people": ["id", "first_name", "last_name", "email", "title", "account_id", "owner_id",
               "in_salesforce", "in_hubspot", "opted_out", "created_at"],
    "activities": ["id", "person_id", "crm", "ts", "kind", "direction", "subject", "text",
                   "amount", "case_id"],
    "cases": ["id", "person_id", "crm", "opened_at", "escalated_at", "closed_at", "subject",
              "description", "priority"],
    "states": ["person_id", "week_start", "state"],
}
END = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def world(config):
    return generate(config, n_contacts=1500, days=120, seed=11)


@pytest.fixture(scope="module")
def big_world(config):
    """Large enough for AUC and effect sizes to be stable; about a second to build."""
    return generate(config, n_contacts=30_000, days=120, seed=5)


def _actions(emails, names, ts) -> pd.DataFrame:
    return pd.DataFrame({"email": emails, "action": names, "ts": pd.Timestamp(ts)})


# --- schema -------------------------------------------------------------------------------

def test_tables_have_the_world_columns(world):
    for name, columns in SCHEMA.items():
        assert list(getattr(world, name).columns) == columns, name


def test_column_types_follow_the_contract(world):
    for frame, columns in [(world.activities, ["ts"]), (world.people, ["created_at"]),
                           (world.cases, ["opened_at", "escalated_at", "closed_at"]),
                           (world.states, ["week_start"])]:
        for column in columns:
            assert str(frame[column].dtype) == "datetime64[ns, UTC]", column
    for column in ["in_salesforce", "in_hubspot", "opted_out"]:
        assert world.people[column].dtype == bool
    for frame in [world.people, world.activities, world.cases, world.accounts, world.owners]:
        assert frame["id"].dtype == np.int64
    assert world.activities["case_id"].dtype == np.int64


def test_ids_emails_and_references_are_consistent(world):
    people, acts = world.people, world.activities
    assert people["email"].is_unique
    assert (people["email"] == people["email"].str.lower()).all()
    assert acts["id"].is_unique and world.cases["id"].is_unique
    assert acts["person_id"].isin(people["id"]).all()
    assert people["account_id"].isin(world.accounts["id"]).all()
    assert people["owner_id"].isin(world.owners["id"]).all()
    assert world.accounts["industry"].nunique() >= 5
    assert people["title"].nunique() >= 8


def test_activity_values_follow_the_contract(world):
    acts = world.activities
    assert set(acts["kind"]) == set(ACTIVITY_KINDS)
    assert set(acts["direction"]) == {"inbound", "outbound"}
    assert set(acts["crm"]) == set(CRMS)
    assert (acts["ts"] < pd.Timestamp(world.now)).all()
    assert (acts["ts"] >= pd.Timestamp(world.now) - pd.Timedelta(days=120)).all()
    purchases = acts["kind"] == "purchase"
    assert acts.loc[purchases, "amount"].gt(0).all()
    assert acts.loc[~purchases, "amount"].isna().all()
    assert set(world.states["state"]) == set(STATES)
    assert set(world.cases["priority"]) == {"High", "Medium", "Low"}


def test_activity_crm_is_where_the_person_lives(world):
    acts = world.activities.merge(world.people, left_on="person_id", right_on="id")
    in_crm = np.where(acts["crm"] == "salesforce", acts["in_salesforce"], acts["in_hubspot"])
    assert in_crm.all()
    case_rows = world.activities[world.activities["case_id"] >= 0]
    merged = case_rows.merge(world.cases, left_on="case_id", right_on="id")
    assert (merged["crm_x"] == merged["crm_y"]).all()


def test_crm_membership_and_opt_out_follow_the_config(config):
    people = generate(load_config(opt_out_share=0.3, share_both=0.5, share_hubspot_only=0.1,
                                  share_salesforce_only=0.4), 4000, 14, seed=1).people
    assert people["opted_out"].mean() == pytest.approx(0.3, abs=0.03)
    both = people["in_salesforce"] & people["in_hubspot"]
    assert both.mean() == pytest.approx(0.5, abs=0.03)
    assert (people["in_hubspot"] & ~people["in_salesforce"]).mean() == pytest.approx(0.1,
                                                                                    abs=0.02)


def test_cases_open_before_they_escalate_and_close(world):
    cases = world.cases
    assert (cases["escalated_at"].dropna() > cases.loc[cases["escalated_at"].notna(),
                                                        "opened_at"]).all()
    closed = cases["closed_at"].notna()
    assert (cases.loc[closed, "closed_at"] > cases.loc[closed, "opened_at"]).all()
    assert (~closed).any(), "some recent cases are still open"
    assert (cases[["escalated_at", "closed_at"]].stack().dropna() < pd.Timestamp(world.now)).all()


# --- behaviour ------------------------------------------------------------------------------

def _state_at(world, frame, ts_column="ts"):
    """The hidden state of each row's person in the week of its timestamp."""
    week = frame[ts_column].dt.floor("D") - pd.to_timedelta(frame[ts_column].dt.weekday, "D")
    keyed = frame.assign(week_start=week)
    return keyed.merge(world.states, on=["person_id", "week_start"], how="left")["state"]


def test_frustrated_people_open_and_escalate_more_cases(big_world):
    cases = big_world.cases.assign(state=_state_at(big_world, big_world.cases, "opened_at"))
    per_state = cases.groupby("state").agg(n=("id", "size"),
                                           escalated=("escalated_at", lambda s: s.notna().mean()))
    weeks = big_world.states["state"].value_counts()
    rate = per_state["n"] / weeks
    assert rate["frustrated"] > 5 * rate["engaged"]
    assert per_state.loc["frustrated", "escalated"] > 2 * per_state.loc["engaged", "escalated"]
    days_open = (cases["closed_at"] - cases["opened_at"]).dt.total_seconds() / 86400
    median_days = days_open.groupby(cases["state"]).median()
    assert median_days["frustrated"] > 2 * median_days["engaged"]


def test_activity_fades_with_state(big_world):
    inbound = big_world.activities[big_world.activities["direction"] == "inbound"]
    counts = _state_at(big_world, inbound).value_counts() / big_world.states["state"].value_counts()
    assert counts["engaged"] > 2 * counts["drifting"] > 2 * counts["gone"]
    assert counts["engaged"] > 3 * counts["overwhelmed"]


def test_holiday_quiet_period_lowers_activity(config):
    world = generate(config, 3000, 70, seed=2, end=datetime(2027, 1, 10, tzinfo=UTC))
    per_day = world.activities.set_index("ts").resample("D").size()
    november = per_day["2026-11-09":"2026-12-06"].mean()
    holidays = per_day["2026-12-21":"2027-01-03"].mean()
    assert holidays < 0.5 * november


# Words a naive keyword rule would use to spot unhappy e-mails.
NEGATIVE = re.compile(r"broken|still|again|fix|waiting|unacceptable|disappoint|cancel|escalat"
                      r"|nightmare|outage|wrong|not working|no answer|too many|swamped|stop",
                      re.IGNORECASE)


def test_email_tone_follows_state_but_not_perfectly(big_world):
    emails = big_world.activities[(big_world.activities["kind"] == "email")
                                  & (big_world.activities["direction"] == "inbound")
                                  & (big_world.activities["case_id"] < 0)]
    negative = emails["text"].str.contains(NEGATIVE).groupby(
        _state_at(big_world, emails).to_numpy()).mean()
    assert negative["frustrated"] > 2.5 * negative["engaged"]
    assert negative["overwhelmed"] > 2.5 * negative["engaged"]
    assert negative["frustrated"] < 0.85, "keywords alone should miss many frustrated e-mails"
    assert negative["engaged"] > 0.02, "happy people also write words that sound negative"
    assert emails["text"].nunique() > 0.2 * len(emails)


# --- truth and advance --------------------------------------------------------------------------

def test_truth_table_shape_and_values(config, world):
    table = truth(world, config, as_of=date(2026, 10, 15))
    assert list(table.columns) == ["person_id", "email", "state", "p_drop", "best_action"]
    assert len(table) == len(world.people)
    assert table["p_drop"].between(0, 1).all()
    assert set(table["state"]) <= set(STATES)
    assert set(table["best_action"]) <= {"support_note", "offer", "silence"}
    opted_out = world.people["opted_out"].to_numpy()
    assert (table.loc[opted_out, "best_action"] == "silence").all()
    with pytest.raises(ValueError, match="advance"):
        truth(world, config, as_of=date(2026, 12, 1))


def test_truth_states_match_the_states_table(config, world):
    as_of = date(2026, 10, 14)  # a Wednesday
    table = truth(world, config, as_of=as_of)
    week = world.states[world.states["week_start"] == pd.Timestamp("2026-10-12", tz="UTC")]
    assert (table["state"].to_numpy() == week.sort_values("person_id")["state"].to_numpy()).all()


def test_best_action_follows_the_configured_effects(config, big_world):
    table = truth(big_world, config, as_of=date(2026, 10, 20))
    reachable = table[~big_world.people["opted_out"].to_numpy()]
    share = pd.crosstab(reachable["state"], reachable["best_action"], normalize="index")
    assert share.loc["frustrated"].get("support_note", 0) > 0.5
    assert share.loc["drifting"].get("offer", 0) > 0.5
    for state in ["engaged", "overwhelmed", "gone"]:
        assert share.loc[state].get("silence", 0) > 0.95, state


def test_oracle_auc_is_realistic_and_p_drop_is_calibrated(config, big_world):
    as_of = date(2026, 10, 26)
    table = truth(big_world, config, as_of=as_of)
    later = advance(big_world, config, days=28, actions=None)
    labels = drop_labels(later, config, as_of)
    acts = big_world.activities
    cutoff = pd.Timestamp(as_of, tz="UTC")
    recent = acts[(acts["direction"] == "inbound") & (acts["ts"] < cutoff)
                  & (acts["ts"] >= cutoff - pd.Timedelta(days=56))]
    active = big_world.people["id"].isin(recent["person_id"]).to_numpy()
    auc = roc_auc_score(labels["dropped"][active], table["p_drop"][active])
    print(f"oracle AUC among recently active people: {auc:.3f}")
    assert 0.75 <= auc <= 0.95
    assert labels["dropped"].mean() == pytest.approx(table["p_drop"].mean(), abs=0.02)


def test_actions_have_their_configured_effects(config, big_world):
    """A randomised trial: each person gets silence, a support note or an offer."""
    as_of = date(2026, 11, 1)
    table = truth(big_world, config, as_of=as_of)
    arm = np.array(["silence", "support_note", "offer"])[
        np.random.default_rng(0).integers(0, 3, len(table))]
    later = advance(big_world, config, days=36, actions=_actions(table["email"], arm, END))
    # Effects start at the first week start after the action, so measure from then on.
    labels = drop_labels(later, config, as_of + timedelta(days=1))
    rate = labels.assign(state=table["state"], arm=arm).pivot_table(
        index="state", columns="arm", values="dropped", aggfunc="mean")
    assert rate.loc["frustrated", "support_note"] < rate.loc["frustrated", "silence"] - 0.02
    assert rate.loc["frustrated", "offer"] > rate.loc["frustrated", "silence"] + 0.02
    assert rate.loc["drifting", "offer"] < rate.loc["drifting", "silence"] - 0.02
    assert rate.loc["overwhelmed", "offer"] > rate.loc["overwhelmed", "silence"] + 0.02
    assert rate.loc["overwhelmed", "support_note"] > rate.loc["overwhelmed", "silence"] + 0.02
    assert abs(rate.loc["engaged", "support_note"] - rate.loc["engaged", "silence"]) < 0.03


def test_advance_is_deterministic_and_leaves_the_input_alone(config, world):
    before = world.activities.copy()
    acts = _actions(world.people["email"][:300], ["support_note", "offer", "silence"] * 100,
                    END + timedelta(days=3))
    one = advance(world, config, days=20, actions=acts)
    two = advance(world, config, days=20, actions=acts)
    for name in SCHEMA:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))
    pd.testing.assert_frame_equal(world.activities, before)
    assert one.now == world.now + timedelta(days=20)
    sent = one.activities[one.activities["ts"] >= pd.Timestamp(world.now)]
    assert sent["subject"].isin(["Following up on your issue", "Your open case"]).sum() == 100


def test_advance_in_steps_equals_advance_at_once(config, world):
    at_once = advance(world, config, days=30, actions=None)
    stepped = advance(advance(world, config, days=9, actions=None), config, days=21,
                      actions=None)
    for name in SCHEMA:
        pd.testing.assert_frame_equal(getattr(at_once, name), getattr(stepped, name))


def test_unknown_actions_are_rejected_and_unknown_emails_counted(config, world):
    with pytest.raises(ValueError, match="Unknown action"):
        advance(world, config, 7, _actions(["x@y.example"], ["discount"], END))
    later = advance(world, config, 7, _actions(["nobody@nowhere.example"], ["offer"], END))
    assert later.extra["ignored_actions"] == 1


# --- config and determinism -----------------------------------------------------------------

def test_overrides_and_their_errors():
    assert load_config(population__opt_out_share=0.5).section("population")["opt_out_share"] == 0.5
    assert load_config(states={"burn_in_weeks": 2}).section("states")["burn_in_weeks"] == 2
    assert load_config(states={"burn_in_weeks": 2}).transitions.shape == (5, 5)
    with pytest.raises(ValueError, match="section__key"):
        load_config(no_such_key=1)
    with pytest.raises(ValueError, match="add up to 1"):
        load_config(states={"transitions": {"engaged": [0.5, 0.1, 0.1, 0.1, 0.1]}})


def test_same_seed_gives_identical_frames(config, world):
    again = generate(config, n_contacts=1500, days=120, seed=11)
    for name in SCHEMA:
        pd.testing.assert_frame_equal(getattr(world, name), getattr(again, name))
    other = generate(config, n_contacts=1500, days=120, seed=12)
    assert not other.activities["ts"].equals(world.activities["ts"])
