"""The empathy policy: precedence one rule at a time, guardrails over a random grid."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import pytest

from empathy_engine.core.errors import ConfigError, DataQualityError
from empathy_engine.core.schema import DECISIONS, POLICY_FEATURES
from empathy_engine.models.policy import (
    EXPERIMENT_COLUMNS,
    EmpathyPolicy,
    action_key,
    as_date,
    business_days_after,
    decisions_table,
    in_holdout,
)

RUN_DATE = dt.date(2024, 5, 8)  # a Wednesday, outside the default quiet period
CALM = {
    "probability": 0.8,
    "reasons": "activity down 60% vs its 90-day average",
    "opted_out": False,
    "open_cases": 0,
    "escalations_28d": 0,
    "complaints_28d": 0,
    "tone_mean_28d": 0.2,
    "asked_fewer_contacts": False,
    "touches_out_28d": 1,
    "days_since_last_activity": 20.0,
    "activity_trend": 0.4,
}


def decide_one(policy: EmpathyPolicy | None = None, run_date=RUN_DATE, **features) -> pd.Series:
    """Decide for one contact whose features are CALM (at risk, drifting) plus ``features``."""
    row = {"contact_key": "ann@example.com", **CALM, **features}
    return (policy or EmpathyPolicy()).decide(pd.DataFrame([row]), run_date).iloc[0]


def random_grid(n: int, seed: int) -> pd.DataFrame:
    """Scored contacts with feature values spread over (and beyond) every threshold."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "contact_key": [f"c{i:06d}@example.com" for i in range(n)],
            "probability": rng.random(n),
            "reasons": "some reason",
            "opted_out": rng.random(n) < 0.15,
            "open_cases": rng.poisson(0.4, n),
            "escalations_28d": rng.poisson(0.15, n),
            "complaints_28d": rng.poisson(0.3, n),
            "tone_mean_28d": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(-1, 1, n)),
            "asked_fewer_contacts": rng.random(n) < 0.1,
            "touches_out_28d": rng.poisson(4, n),
            "days_since_last_activity": rng.exponential(20, n),
            "activity_trend": rng.uniform(0, 2, n),
        }
    )


def frustrated(frame: pd.DataFrame, tone_threshold: float = -0.3) -> pd.Series:
    """The test's own reading of "frustrated", independent of the policy's code."""
    return (
        (frame["open_cases"] > 0)
        | (frame["escalations_28d"] > 0)
        | (frame["complaints_28d"] >= 1)
        | (frame["tone_mean_28d"] <= tone_threshold)
    )


# --- precedence, one rule at a time -----------------------------------------------------------


def test_at_risk_without_friction_gets_an_offer():
    decision = decide_one()
    assert (decision.action, decision.reason, decision.write) == ("offer", "drift", True)
    assert decision.priority == "Normal"
    assert decision.due_date == dt.date(2024, 5, 13)  # Wednesday + 3 business days
    assert pd.isna(decision.hold_until)


def test_not_at_risk_is_silence_that_is_not_written():
    decision = decide_one(probability=0.2)
    assert (decision.action, decision.reason, decision.write) == ("silence", "not_at_risk", False)
    assert pd.isna(decision.hold_until) and pd.isna(decision.subject)


@pytest.mark.parametrize(
    "signal",
    [
        {"open_cases": 2},
        {"complaints_28d": 1},
        {"tone_mean_28d": -0.3},
        {"tone_mean_28d": -0.9},
    ],
)
def test_frustrated_and_at_risk_gets_a_support_note(signal):
    decision = decide_one(**signal)
    assert (decision.action, decision.reason, decision.write) == (
        "support_note",
        "frustration",
        True,
    )
    assert decision.priority == "Normal"
    assert decision.due_date == dt.date(2024, 5, 9)  # next business day


def test_escalated_gets_a_high_priority_support_note_even_when_not_at_risk():
    decision = decide_one(probability=0.1, escalations_28d=1, open_cases=1)
    assert (decision.action, decision.priority) == ("support_note", "High")


def test_frustrated_but_not_at_risk_and_not_escalated_is_left_alone():
    decision = decide_one(probability=0.1, complaints_28d=3)
    assert (decision.action, decision.reason) == ("silence", "not_at_risk")


def test_slightly_negative_tone_is_not_frustration():
    assert decide_one(tone_mean_28d=-0.29).action == "offer"


def test_missing_tone_is_neutral():
    assert decide_one(tone_mean_28d=np.nan).action == "offer"


def test_opt_out_beats_frustration():
    decision = decide_one(opted_out=True, escalations_28d=2, open_cases=1)
    assert (decision.action, decision.reason) == ("silence", "opted_out")
    assert decision.write and decision.opted_out
    assert decision.hold_until == RUN_DATE + dt.timedelta(days=14)
    assert decision.subject.startswith("Hold outreach until 2024-05-22, because")


def test_opted_out_and_not_at_risk_is_recorded_but_not_written():
    decision = decide_one(opted_out=True, probability=0.1)
    assert (decision.action, decision.reason, decision.write) == ("silence", "opted_out", False)


def test_unknown_opt_out_counts_as_opted_out():
    assert decide_one(opted_out=None).reason == "opted_out"


def test_frustration_beats_saturation():
    decision = decide_one(touches_out_28d=20, asked_fewer_contacts=True, complaints_28d=2)
    assert decision.action == "support_note"


@pytest.mark.parametrize(
    ("features", "reason"),
    [
        ({"touches_out_28d": 6}, "saturation"),
        ({"asked_fewer_contacts": True}, "asked_fewer_contacts"),
        ({"asked_fewer_contacts": True, "touches_out_28d": 9}, "asked_fewer_contacts"),
    ],
)
def test_saturation_beats_risk_with_a_visible_hold(features, reason):
    decision = decide_one(**features)
    assert (decision.action, decision.reason, decision.write) == ("silence", reason, True)
    assert decision.priority == "Low"
    assert decision.hold_until == decision.due_date == RUN_DATE + dt.timedelta(days=14)


def test_just_below_saturation_still_gets_an_offer():
    assert decide_one(touches_out_28d=5).action == "offer"


def test_hold_record_needs_the_high_risk_threshold():
    policy = EmpathyPolicy(risk_threshold=0.5, hold_threshold=0.9)
    decision = decide_one(policy, touches_out_28d=10, probability=0.8)
    assert (decision.reason, decision.write) == ("saturation", False)
    assert decide_one(policy, touches_out_28d=10, probability=0.95).write


def test_quiet_period_holds_offers_until_after_it():
    decision = decide_one(run_date=dt.date(2024, 12, 28))
    assert (decision.action, decision.reason, decision.write) == ("silence", "quiet_period", True)
    assert decision.hold_until == dt.date(2025, 1, 11)  # 14 days, already past 2 January


def test_a_short_hold_in_a_quiet_period_lasts_past_its_end():
    policy = EmpathyPolicy(hold_days=3)
    assert policy.hold_until(dt.date(2024, 12, 23)) == dt.date(2025, 1, 3)
    assert policy.hold_until(dt.date(2025, 1, 1)) == dt.date(2025, 1, 4)


def test_support_notes_are_not_held_by_a_quiet_period():
    assert decide_one(run_date=dt.date(2024, 12, 28), open_cases=1).action == "support_note"


def test_quiet_periods_can_be_configured_or_disabled():
    summer = EmpathyPolicy(quiet_periods=[((8, 1), (8, 15))])
    assert decide_one(summer, run_date=dt.date(2024, 8, 10)).reason == "quiet_period"
    assert decide_one(summer, run_date=dt.date(2024, 12, 28)).reason == "drift"
    assert decide_one(EmpathyPolicy(quiet_periods=()), run_date=dt.date(2024, 12, 28)).reason == (
        "drift"
    )


def test_open_action_means_silence_that_is_not_written():
    rows = pd.DataFrame([{"contact_key": "ann@example.com", **CALM, "escalations_28d": 1}])
    decision = EmpathyPolicy().decide(rows, RUN_DATE, open_actions={"ann@example.com"}).iloc[0]
    assert (decision.action, decision.reason, decision.write) == ("silence", "open_action", False)
    assert "already has an open action" in decision.why.lower()


def test_open_action_for_someone_else_changes_nothing():
    rows = pd.DataFrame([{"contact_key": "ann@example.com", **CALM}])
    assert EmpathyPolicy().decide(rows, RUN_DATE, open_actions={"bob@x.com"}).action[0] == "offer"


# --- guardrails over a random grid ------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [{}, {"risk_threshold": 0.2, "saturation_touches": 3}, {"risk_threshold": 0.9}],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_a_frustrated_contact_never_receives_an_offer(settings, seed):
    grid = random_grid(20_000, seed)
    decisions = EmpathyPolicy(**settings).decide(grid, RUN_DATE)
    offers = decisions["action"] == "offer"
    assert offers.any() and frustrated(grid).any()  # the grid really covers both
    assert not (offers & frustrated(grid)).any()


@pytest.mark.parametrize("seed", [3, 4])
def test_opted_out_contacts_never_get_outreach(seed):
    grid = random_grid(20_000, seed)
    decisions = EmpathyPolicy(holdout_share=0.2).decide(grid, RUN_DATE)
    opted_out = grid["opted_out"].to_numpy()
    assert set(decisions.loc[opted_out, "action"]) == {"silence"}
    assert set(decisions.loc[opted_out, "reason"]) == {"opted_out"}


def test_every_at_risk_frustrated_contact_gets_help_unless_opted_out_or_held_out():
    grid = random_grid(20_000, 5)
    decisions = EmpathyPolicy().decide(grid, RUN_DATE)
    needs_help = frustrated(grid) & (grid["probability"] >= 0.5) & ~grid["opted_out"]
    assert (decisions.loc[needs_help, "action"] == "support_note").all()


def test_written_rows_have_text_and_unwritten_rows_do_not():
    decisions = EmpathyPolicy(holdout_share=0.1).decide(random_grid(5_000, 6), RUN_DATE)
    written = decisions["write"]
    assert decisions.loc[written, "subject"].str.len().between(1, 255).all()
    assert decisions.loc[written, "body"].str.contains("Suggested tone:").all()
    assert decisions.loc[~written, "subject"].isna().all()


# --- keys, hold-out, schema -------------------------------------------------------------------


def test_action_key_is_stable_per_contact_and_date():
    digest = hashlib.sha256(b"ann@example.com").hexdigest()[:16]
    assert action_key("ann@example.com", RUN_DATE) == f"ee-20240508-{digest}"
    assert action_key("ann@example.com", "2024-05-08T23:59:00") == f"ee-20240508-{digest}"
    assert action_key("ann@example.com", dt.date(2024, 5, 9)) != f"ee-20240508-{digest}"
    assert action_key("bob@example.com", RUN_DATE) != f"ee-20240508-{digest}"


def test_decisions_are_deterministic():
    grid = random_grid(3_000, 7)
    policy = EmpathyPolicy(holdout_share=0.3)
    first, second = policy.decide(grid, RUN_DATE), policy.decide(grid.iloc[::-1], RUN_DATE)
    second = second.set_index("contact_key").loc[first["contact_key"]].reset_index()
    pd.testing.assert_frame_equal(first, second)


def test_holdout_is_deterministic_and_about_the_requested_share():
    grid = random_grid(20_000, 8)
    decisions = EmpathyPolicy(holdout_share=0.2).decide(grid, RUN_DATE)
    baseline = EmpathyPolicy().decide(grid, RUN_DATE)
    outreach = baseline["action"].isin(["support_note", "offer"])
    held = decisions["reason"] == "holdout"
    assert not (held & ~outreach).any()  # only would-be outreach is held out
    assert 0.18 < held[outreach].mean() < 0.22
    assert (decisions.loc[held, "action"] == "silence").all()
    assert not decisions.loc[held, "write"].any()
    period = EmpathyPolicy().experiment_period(as_date(RUN_DATE))
    expected = [in_holdout(k, period, 0.2) for k in grid.loc[outreach, "contact_key"]]
    assert held[outreach].tolist() == expected
    assert decisions.loc[held, "assignment"].eq("holdout").all()
    assert decisions.loc[held, "propensity"].eq(0.2).all()
    assert decisions.loc[outreach & ~held, "propensity"].eq(0.8).all()
    assert (decisions.loc[held, "intended_action"] == baseline.loc[held, "action"]).all()


def test_holdout_is_sticky_within_an_experiment_period_and_off_by_default():
    grid = random_grid(5_000, 9)
    policy = EmpathyPolicy(holdout_share=0.3, experiment_days=28)
    start = policy.experiment_period(as_date("2024-05-06"))
    days = [start + dt.timedelta(days=d) for d in (0, 1, 9, 27)]
    held = [set(grid.contact_key[policy.decide(grid, d)["reason"].eq("holdout")]) for d in days]
    outreach = set(grid.contact_key[EmpathyPolicy().decide(grid, days[0])["action"]
                                    .isin(["support_note", "offer"])])
    # every night of the period, the same would-be-treated people are held out
    assert held[0] == held[1] == held[2] == held[3]
    assert held[0] <= outreach and len(held[0]) > 0.25 * len(outreach)
    later = policy.decide(grid, start + dt.timedelta(days=28))
    assert set(grid.contact_key[later["reason"].eq("holdout")]) != held[0]  # a new period
    assert set(later["experiment_period"]) == {(start + dt.timedelta(days=28)).isoformat()}
    assert "holdout" not in set(EmpathyPolicy().decide(random_grid(2_000, 9), RUN_DATE).reason)


def test_output_conforms_to_the_decisions_schema():
    decisions = EmpathyPolicy(holdout_share=0.1).decide(random_grid(2_000, 10), RUN_DATE)
    assert list(decisions.columns) == [*DECISIONS.names, *EXPERIMENT_COLUMNS]
    table = decisions_table(decisions)
    assert table.schema.equals(DECISIONS)
    assert table.num_rows == 2_000
    assert set(decisions["action"]) == {"support_note", "offer", "silence"}
    assert set(decisions["priority"]) <= {"High", "Normal", "Low"}
    assert decisions["probability"].between(0, 1).all()
    assert decisions["action_key"].is_unique and decisions["contact_key"].is_unique


def test_output_passes_the_decisions_gate():
    from empathy_engine.expectations import validate_decisions

    decisions = EmpathyPolicy(holdout_share=0.1).decide(random_grid(2_000, 11), RUN_DATE)
    report = validate_decisions(decisions)
    assert report.success, report.failures


def test_empty_input_gives_an_empty_decisions_table():
    decisions = EmpathyPolicy().decide(random_grid(10, 12).iloc[0:0], RUN_DATE)
    assert decisions.empty and list(decisions.columns) == [*DECISIONS.names, *EXPERIMENT_COLUMNS]
    assert decisions_table(decisions).num_rows == 0


def test_business_days_skip_weekends():
    friday, saturday = dt.date(2024, 5, 10), dt.date(2024, 5, 11)
    assert business_days_after(friday, 1) == dt.date(2024, 5, 13)
    assert business_days_after(saturday, 1) == dt.date(2024, 5, 13)
    assert business_days_after(friday, 3) == dt.date(2024, 5, 15)


# --- settings and input are checked early -----------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"risk_threshold": 1.5}, "risk_threshold"),
        ({"risk_threshold": "high"}, "risk_threshold"),
        ({"hold_threshold": 0.3}, "hold_threshold"),
        ({"holdout_share": 1.0}, "holdout_share"),
        ({"holdout_share": -0.1}, "holdout_share"),
        ({"saturation_touches": 0}, "saturation_touches"),
        ({"hold_days": 2.5}, "hold_days"),
        ({"complaints_threshold": 0}, "complaints_threshold"),
        ({"tone_threshold": -2}, "tone_threshold"),
        ({"quiet_periods": [((13, 1), (1, 2))]}, "quiet period"),
        ({"quiet_periods": [(12, 24)]}, "quiet period"),
    ],
)
def test_bad_settings_fail_early_naming_the_setting(settings, named):
    with pytest.raises(ConfigError, match=named):
        EmpathyPolicy(**settings)


def test_settings_are_kept_as_given():
    policy = EmpathyPolicy(risk_threshold=0.6, quiet_periods=[[[12, 24], [1, 1]]])
    assert policy.hold_threshold == 0.6
    assert policy.quiet_periods == (((12, 24), (1, 1)),)


def test_missing_feature_columns_are_named():
    grid = random_grid(5, 13).drop(columns=["touches_out_28d"])
    with pytest.raises(DataQualityError, match="touches_out_28d"):
        EmpathyPolicy().decide(grid, RUN_DATE)


def test_duplicate_contacts_are_refused():
    grid = random_grid(5, 14)
    with pytest.raises(DataQualityError, match="duplicate contact_key"):
        EmpathyPolicy().decide(pd.concat([grid, grid.iloc[[0]]]), RUN_DATE)


@pytest.mark.parametrize("value", [1.2, -0.5, np.nan])
def test_probabilities_outside_zero_one_are_refused(value):
    grid = random_grid(5, 15)
    grid.loc[2, "probability"] = value
    with pytest.raises(DataQualityError, match=r"\[0, 1\]"):
        EmpathyPolicy().decide(grid, RUN_DATE)


def test_bad_run_date_is_a_config_error():
    with pytest.raises(ConfigError, match="run_date"):
        EmpathyPolicy().decide(random_grid(5, 16), "yesterday-ish")


def test_the_policy_reads_only_its_declared_features():
    grid = random_grid(50, 17)
    grid["unrelated_model_feature"] = np.random.default_rng(0).random(50)
    assert set(POLICY_FEATURES) < set(grid.columns)
    first = EmpathyPolicy().decide(grid, RUN_DATE)
    second = EmpathyPolicy().decide(grid.drop(columns=["unrelated_model_feature"]), RUN_DATE)
    pd.testing.assert_frame_equal(first, second)


def test_an_at_risk_contact_silent_for_months_is_lapsed_not_offered():
    import datetime as dt

    import pandas as pd

    from empathy_engine.models.policy import EmpathyPolicy

    base = {"probability": 0.8, "opted_out": False, "open_cases": 0, "escalations_28d": 0,
            "complaints_28d": 0, "tone_mean_28d": float("nan"), "asked_fewer_contacts": False,
            "touches_out_28d": 0, "activity_trend": 0.2, "reasons": ""}
    scored = pd.DataFrame([{**base, "contact_key": "gone@x.com", "days_since_last_activity": 120},
                           {**base, "contact_key": "drift@x.com", "days_since_last_activity": 20}])
    decisions = EmpathyPolicy(lapsed_days=60).decide(scored, dt.date(2026, 11, 2))
    by_key = decisions.set_index("contact_key")
    assert by_key.loc["gone@x.com", "action"] == "silence"
    assert by_key.loc["gone@x.com", "reason"] == "lapsed"
    assert not by_key.loc["gone@x.com", "write"]
    assert by_key.loc["drift@x.com", "action"] == "offer"


# --- targeting by expected gain (state probabilities from models.state) ----------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from empathy_engine.models.effects import EffectModel, harm_threshold  # noqa: E402
from empathy_engine.models.state import STATE_COLUMNS  # noqa: E402

_maybe = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731
_count = _maybe(st.integers(min_value=0, max_value=20))
_row = st.fixed_dictionaries({
    "probability": st.floats(0, 1),
    "opted_out": _maybe(st.booleans()),
    "open_cases": _count,
    "escalations_28d": _count,
    "complaints_28d": _count,
    "tone_mean_28d": _maybe(st.floats(-1, 1)),
    "asked_fewer_contacts": _maybe(st.booleans()),
    "touches_out_28d": _count,
    "days_since_last_activity": _maybe(st.floats(0, 400)),
    "activity_trend": _maybe(st.floats(0, 5)),
    **{c: _maybe(st.floats(0, 1)) for c in STATE_COLUMNS},
})


def _frustration_signal(frame: pd.DataFrame) -> pd.Series:
    num = lambda c: pd.to_numeric(frame[c], errors="coerce").fillna(0)  # noqa: E731
    tone = pd.to_numeric(frame["tone_mean_28d"], errors="coerce")
    return ((num("escalations_28d") > 0) | (num("open_cases") > 0)
            | (num("complaints_28d") >= 1) | (tone <= -0.3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_row, min_size=1, max_size=25), explore=st.sampled_from([0.0, 0.3]),
       holdout=st.sampled_from([0.0, 0.2]), open_share=st.floats(0, 1),
       day=st.dates(dt.date(2023, 1, 1), dt.date(2026, 12, 31)))
def test_no_input_makes_the_gain_policy_break_a_guardrail(rows, explore, holdout, open_share,
                                                         day):
    frame = pd.DataFrame(rows)
    frame.insert(0, "contact_key", [f"p{i}@x.com" for i in range(len(frame))])
    open_keys = set(frame.contact_key[: int(open_share * len(frame))])
    policy = EmpathyPolicy(explore_share=explore, holdout_share=holdout)
    decisions = policy.decide(frame, day, open_actions=open_keys)
    touched = decisions["action"].isin(["support_note", "offer"]).to_numpy()
    opted_out = frame["opted_out"].astype(object).where(frame["opted_out"].notna(), True)
    asked = frame["asked_fewer_contacts"].fillna(False).astype(bool)
    saturated = pd.to_numeric(frame["touches_out_28d"], errors="coerce").fillna(0) >= 6
    assert not (touched & opted_out.astype(bool).to_numpy()).any()
    assert not (touched & asked.to_numpy()).any()
    assert not (touched & saturated.to_numpy()).any()
    assert not (touched & frame.contact_key.isin(open_keys).to_numpy()).any()
    assert not ((decisions["action"] == "offer") & _frustration_signal(frame)).any()
    if policy.in_quiet_period(day):
        assert not touched.any()
    # one row, one action, per person: never two tasks for anyone
    assert decisions["contact_key"].is_unique and len(decisions) == len(frame)
    assert decisions["propensity"].between(0, 1).all()


def _gain_grid(n: int, seed: int) -> pd.DataFrame:
    grid = random_grid(n, seed)
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(len(STATE_COLUMNS), 0.5), size=n)
    for i, column in enumerate(STATE_COLUMNS):
        grid[column] = probs[:, i]
    return grid


def test_gain_targeting_acts_on_the_drifting_without_risk_and_spares_the_overwhelmed():
    calm = {**CALM, "probability": 0.05}  # not at risk: risk alone is no reason, nor a gate
    drifting = {**calm, **dict.fromkeys(STATE_COLUMNS, 0.0), "p_drifting": 0.9, "p_gone": 0.1}
    frustrated = {**drifting, "p_drifting": 0.0, "p_frustrated": 1.0, "open_cases": 1}
    overwhelmed = {**drifting, "p_drifting": 0.3, "p_overwhelmed": 0.7}
    engaged = {**drifting, "p_drifting": 0.0, "p_engaged": 1.0}
    frame = pd.DataFrame([drifting, frustrated, overwhelmed, engaged])
    frame.insert(0, "contact_key", ["d@x", "f@x", "o@x", "e@x"])
    decided = EmpathyPolicy().decide(frame, RUN_DATE).set_index("contact_key")
    assert decided.loc["d@x", ["action", "reason"]].tolist() == ["offer", "drift"]
    assert decided.loc["f@x", ["action", "reason"]].tolist() == ["support_note", "frustration"]
    assert decided.loc["o@x", "action"] == "silence"
    assert decided.loc["e@x", "action"] == "silence"
    assert decided.loc["d@x", "expected_gain"] > 0.05


def test_the_gain_threshold_keeps_the_targets_within_the_harm_budget():
    grid = _gain_grid(5_000, 21)
    for budget in (0.01, 0.05, 0.2):
        decisions = EmpathyPolicy(harm_budget=budget).decide(grid, RUN_DATE)
        targets = decisions["assignment"].eq("policy") & decisions["action"].ne("silence")
        harm = EffectModel().harm_probability(grid[list(STATE_COLUMNS)].to_numpy())
        action = decisions["action"].map({"support_note": 0, "offer": 1})
        chosen = harm[targets.to_numpy(), action[targets].to_numpy(dtype=int)]
        assert targets.sum() > 0 and chosen.mean() <= budget + 1e-9
    gain = np.array([0.3, 0.2, 0.1, 0.05])
    harm = np.array([0.0, 0.1, 0.0, 0.5])
    assert harm_threshold(gain, harm, budget=0.05, min_gain=0.0) == 0.1
    assert harm_threshold(gain, harm, budget=0.0, min_gain=0.0) == 0.3
    assert harm_threshold(gain, harm, budget=1.0, min_gain=0.5) == float("inf")


def test_exploration_is_small_recorded_and_never_touches_the_guarded():
    grid = _gain_grid(20_000, 22)
    decisions = EmpathyPolicy(explore_share=0.05).decide(grid, RUN_DATE)
    explored = decisions["assignment"].eq("explore")
    assert 0 < explored.mean() < 0.05
    assert decisions.loc[explored, "action"].isin(["support_note", "offer"]).all()
    assert not decisions.loc[explored, "opted_out"].any()
    assert decisions.loc[explored, "propensity"].between(0.0, 0.05).all()
    guarded = decisions["assignment"].eq("guardrail")
    assert decisions.loc[guarded, "action"].eq("silence").all()


def test_effects_are_learned_back_from_logged_outcomes():
    rng = np.random.default_rng(3)
    n = 40_000
    probs = rng.dirichlet(np.full(5, 0.3), size=n)
    truth = np.array([[0.0, 0.05, 0.20, -0.10, 0.0], [0.0, 0.25, -0.15, -0.10, 0.0]])
    action = rng.choice(["silence", "support_note", "offer"], size=n, p=[0.5, 0.25, 0.25])
    base = probs @ np.array([0.05, 0.4, 0.4, 0.3, 0.9])
    effect = np.where(action == "support_note", probs @ truth[0],
                      np.where(action == "offer", probs @ truth[1], 0.0))
    dropped = rng.random(n) < np.clip(base - effect, 0, 1)
    model = EffectModel.fit(probs, action, dropped, np.full(n, 0.25), strength=1.0)
    assert model.source == "learned"
    assert np.allclose(model.effects, truth, atol=0.05)
