"""After the policy: the tasks a person would act on.

The policy decides support note, offer or silence per person; this step, in order,

1. answers **open requests** first: a person whose request is still waiting for our reply
   gets a reply task (``support_note``, reason ``open_request``) before any support note or
   offer (not when opted out);
2. sets a **priority** that means something (:func:`models.capacity.priorities`);
3. writes **grounded text** (:mod:`models.drafts`): subject, why and draft from the same
   reasons, model numbers only in ``model_detail``;
4. keeps **one open task per person** (:mod:`models.one_task`);
5. applies each owner's **capacity** and spreads due dates (:mod:`models.capacity`).

The DECISIONS columns keep their meaning; :data:`empathy.schema.DECISION_EXTRAS` are added.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from empathy_engine.core.schema import DECISION_EXTRAS, DECISIONS
from empathy_engine.models.action_keys import as_date
from empathy_engine.models.capacity import (
    DEFAULT_PER_DAY,
    DEFAULT_PER_OWNER,
    apply_capacity,
    expected_benefit,
    priorities,
)
from empathy_engine.models.drafts import render
from empathy_engine.models.one_task import (
    earlier_decisions,
    fingerprints,
    most_engaged_records,
    one_task_per_person,
)
from empathy_engine.models.requests import RECORD_COLUMNS, person_records

PERSON_COLUMNS = ("first_name", "industry", "title", "reasons", "days_since_last_activity",
                  "mean_gap_days", "activity_trend", "tone_mean_28d", "touches_out_28d",
                  "escalations_28d")


def plan_for_run(decisions: pd.DataFrame, scores: pd.DataFrame, contacts: pd.DataFrame,
                 open_actions: pd.DataFrame, run_date, *, activities=None,
                 runs_dir: Path | None = None, per_owner: int = DEFAULT_PER_OWNER,
                 written_tonight: Collection[str] = ()) -> pd.DataFrame:
    """:func:`plan_tasks` for one nightly run: reads the run's activities and earlier nights.

    Parameters
    ----------
    activities : pandas.DataFrame, str or Path, optional
        The features stage's ``activities.parquet`` (labels, no text) or the frame itself.
    runs_dir : Path, optional
        ``<data_dir>/runs``, where earlier nights' decisions say what open tasks hold.
    """
    if isinstance(activities, str | Path):
        activities = pd.read_parquet(activities) if Path(activities).exists() else None
    profile_columns = [c for c in ("industry", "title", "first_name") if c in contacts]
    profile = contacts.groupby("contact_key")[profile_columns].first().reset_index()
    scored = scores.merge(profile, on="contact_key", how="left", suffixes=("", "_contact"))
    records = person_records(activities, run_date) if activities is not None else None
    earlier = earlier_decisions(runs_dir, open_actions, run_date) if runs_dir else None
    return plan_tasks(decisions, scored, run_date, records=records, contacts=contacts,
                      activities=activities, open_actions=open_actions, earlier=earlier,
                      per_owner=per_owner, written_tonight=written_tonight)


def plan_tasks(decisions: pd.DataFrame, scored: pd.DataFrame, run_date, *,
               records: pd.DataFrame | None = None, contacts: pd.DataFrame | None = None,
               activities: pd.DataFrame | None = None,
               open_actions: pd.DataFrame | None = None, earlier: pd.DataFrame | None = None,
               per_owner: int = DEFAULT_PER_OWNER, per_day: int = DEFAULT_PER_DAY,
               written_tonight: Collection[str] = ()) -> pd.DataFrame:
    """Turn the policy's decisions into the tasks that are written (see the module docstring).

    Parameters
    ----------
    decisions : pandas.DataFrame
        :meth:`models.policy.EmpathyPolicy.decide`'s output, one row per person.
    scored : pandas.DataFrame
        The policy's input (features, probability, reasons, industry, title).
    run_date : date-like
        Tonight.
    records : pandas.DataFrame, optional
        :func:`models.requests.person_records`: requests, cases, complaint topics.
    contacts : pandas.DataFrame, optional
        Contact records in every CRM (routing to the most engaged CRM and owner).
    activities : pandas.DataFrame, optional
        ``contact_key``, ``source``, ``ts``, ``direction``: how engaged with each CRM.
    open_actions : pandas.DataFrame, optional
        Open empathy tasks in every CRM (``contact_key``, ``source``, ``action_key``).
    earlier : pandas.DataFrame, optional
        :func:`models.one_task.earlier_decisions` for those open tasks.
    per_owner, per_day : int
        Capacity: new tasks per owner per night, tasks due per owner and business day.
    written_tonight : collection of str, optional
        People given a task by an earlier run of this night (see :func:`apply_capacity`).

    Returns
    -------
    pandas.DataFrame
        DECISIONS columns, then DECISION_EXTRAS, then the person columns used.
    """
    day = as_date(run_date)
    people = _people(decisions, scored, records)
    out = decisions.copy()
    out["policy_reason"] = out["reason"]
    _answer_open_requests(out, people)
    out["priority"] = priorities(pd.concat([out, people.drop(columns="contact_key")], axis=1),
                                 day)
    _render(out, people, day)
    out["fingerprint"] = fingerprints(out)
    if contacts is None:
        contacts = pd.DataFrame(columns=["contact_key", "source", "source_id", "owner_id"])
    routes = most_engaged_records(contacts, activities, day)
    out = one_task_per_person(
        out, _or_empty(open_actions, ["contact_key", "source", "action_key"]),
        _or_empty(earlier, ["action_key", "action", "reason", "hold_until", "fingerprint"]),
        routes, day, contacts=contacts)
    out["expected_benefit"] = expected_benefit(out)
    out = apply_capacity(out, day, per_owner=per_owner, per_day=per_day,
                         written_tonight=written_tonight)
    _dates_of_records(out, day)
    unwritten = ~out["write"].astype(bool)
    out.loc[unwritten, ["subject", "body"]] = None
    extras = [c for c in DECISION_EXTRAS.names if c not in DECISIONS.names]
    return out.reindex(columns=[*DECISIONS.names, *extras, "fingerprint", "escalated"])


def _people(decisions, scored, records) -> pd.DataFrame:
    """One row per decision with what the text and priority need about the person."""
    keys = decisions[["contact_key"]]
    wanted = ["contact_key", "probability", *[c for c in PERSON_COLUMNS if c in scored]]
    people = keys.merge(scored[wanted].drop_duplicates("contact_key"), on="contact_key",
                        how="left", suffixes=("", "_scored"))
    if records is not None and len(records):
        people = people.merge(records, on="contact_key", how="left")
    for column in RECORD_COLUMNS:
        if column not in people:
            people[column] = None
    people.index = decisions.index
    return people.drop(columns="probability")


def _answer_open_requests(out: pd.DataFrame, people: pd.DataFrame) -> None:
    """A reply owed comes before any support note or offer (never to an opted-out person)."""
    waiting = people["request_topic"].notna().to_numpy() & (out["reason"] != "opted_out") \
        .to_numpy() & ~out["opted_out"].astype(bool).to_numpy()
    out.loc[waiting, ["action", "reason"]] = ["support_note", "open_request"]
    out.loc[waiting, "write"] = True
    out.loc[waiting, "hold_until"] = None
    out["request_topic"] = people["request_topic"].where(waiting, None)
    out["case_subject"] = people["case_subject"]


def _render(out: pd.DataFrame, people: pd.DataFrame, day) -> None:
    """Subject, why, body and model detail for every written row."""
    written = np.flatnonzero(out["write"].astype(bool).to_numpy())
    out["model_detail"] = None
    person_rows = pd.concat([people, out[["probability"]]], axis=1).iloc[written]
    for position, decision, person in zip(written, out.iloc[written].to_dict("records"),
                                          person_rows.to_dict("records"), strict=True):
        task = render(decision["action"], decision["reason"], person, day,
                      hold_until=decision["hold_until"])
        for column, value in (("subject", task.subject), ("why", task.why),
                              ("body", task.body), ("model_detail", task.model_detail)):
            out.iloc[position, out.columns.get_loc(column)] = value


def _dates_of_records(out: pd.DataFrame, day) -> None:
    """Opt-out records have no end date in their text; their task is dated the night they were
    written. (``hold_until`` stays set until the decisions gate exempts opt-outs from
    "written hold records have a hold_until date"; the sinks never send it to a CRM.)"""
    opted = (out["reason"] == "opted_out").to_numpy()
    out.loc[opted, "due_date"] = day


def _or_empty(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns) if frame is None else frame
