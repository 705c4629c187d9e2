"""One person, one open empathy task: the step after the policy.

A person is one lower-cased e-mail (``contact_key``) whichever CRMs they live in. After the
policy has decided, this step

1. **routes** each written decision to the one CRM and owner the person is most engaged with
   (``target_crm``, ``target_source_id``, ``target_owner_id``); the other CRM gets nothing;
2. **reconciles** it with the empathy tasks still open from earlier nights (any CRM, any
   reason): the open task is *kept* when the decision is the same, *updated* in place when it
   changed (``action_key`` and ``supersedes`` name the open task, so the upsert rewrites it),
   *closed* when it no longer applies (``close_keys``), and duplicates are closed;
3. turns an opt-out into one **standing record** with a stable key and no end date.

``task_state`` says which: ``new``, ``update``, ``keep``, ``close`` or ``none``. Write-back
must write the rows with ``write`` to ``target_crm`` only and complete the tasks named in
``close_keys`` (``"crm:action_key"``, space-separated).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from empathy_engine.core.schema import INBOUND
from empathy_engine.models.action_keys import as_date

#: the standing opt-out record's key: one per person, never dated
OPT_OUT_PREFIX = "ee-optout-"
#: how far back earlier nights' decisions are read to learn what an open task says
LOOKBACK_DAYS = 180
#: activity counted for "most engaged with"
ENGAGEMENT_DAYS = 90
OUTREACH = ("support_note", "offer")


def opt_out_key(contact_key: str) -> str:
    """The stable key of a person's standing "do not contact" record."""
    digest = hashlib.sha256(str(contact_key).encode("utf-8")).hexdigest()[:16]
    return f"{OPT_OUT_PREFIX}{digest}"


def key_date(action_key: str) -> dt.date | None:
    """The decision date inside an ``ee-YYYYMMDD-…`` key; None for standing records."""
    parts = str(action_key).split("-")
    if len(parts) >= 3 and parts[1].isdigit() and len(parts[1]) == 8:
        return dt.datetime.strptime(parts[1], "%Y%m%d").date()
    return None


# --- routing -----------------------------------------------------------------------------------


def most_engaged_records(contacts: pd.DataFrame, activities: pd.DataFrame | None,
                         run_date) -> pd.DataFrame:
    """Per person, the CRM record (source, source_id, owner) they are most engaged with.

    Engagement is activity in the last :data:`ENGAGEMENT_DAYS` days, inbound counting
    double; ties go to the most recent activity, then to the record updated last.

    Returns
    -------
    pandas.DataFrame
        ``contact_key``, ``target_crm``, ``target_source_id``, ``target_owner_id``.
    """
    records = contacts.dropna(subset=["contact_key"]).copy()
    records["updated"] = pd.to_datetime(records.get("updated_at"), utc=True)
    records = records.sort_values("updated", ascending=False, na_position="last")
    records = records.drop_duplicates(["contact_key", "source"])
    score = pd.DataFrame(columns=["contact_key", "source", "points", "last_ts"])
    if activities is not None and len(activities):
        day = pd.Timestamp(as_date(run_date), tz="UTC")
        acts = activities[["contact_key", "source", "ts", "direction"]].copy()
        acts["ts"] = pd.to_datetime(acts["ts"], utc=True)
        acts = acts[(acts["ts"] < day) & (acts["ts"] >= day - pd.Timedelta(days=ENGAGEMENT_DAYS))]
        acts["points"] = np.where(acts["direction"] == INBOUND, 2, 1)
        score = acts.groupby(["contact_key", "source"], as_index=False).agg(
            points=("points", "sum"), last_ts=("ts", "max"))
    ranked = records.merge(score, on=["contact_key", "source"], how="left")
    ranked["points"] = ranked["points"].fillna(0)
    ranked = ranked.sort_values(["contact_key", "points", "last_ts", "updated"],
                                ascending=[True, False, False, False], na_position="last")
    best = ranked.drop_duplicates("contact_key")
    return pd.DataFrame({"contact_key": best["contact_key"].to_numpy(),
                         "target_crm": best["source"].to_numpy(),
                         "target_source_id": best["source_id"].astype(object).to_numpy(),
                         "target_owner_id": best["owner_id"].astype(object).to_numpy()})


# --- what earlier nights wrote -----------------------------------------------------------------


def earlier_decisions(runs_dir: Path, open_actions: pd.DataFrame, run_date) -> pd.DataFrame:
    """The latest written decision behind each open task, read from earlier run directories.

    Parameters
    ----------
    runs_dir : Path
        ``<data_dir>/runs``; each ``YYYY-MM-DD/decisions.parquet`` is one night's decisions.
    open_actions : pandas.DataFrame
        The CRMs' open empathy tasks (``action_key``).
    run_date : date-like
        Tonight; only earlier nights are read, at most :data:`LOOKBACK_DAYS` back.

    Returns
    -------
    pandas.DataFrame
        ``action_key``, ``action``, ``reason``, ``hold_until``, ``fingerprint``.
    """
    columns = ["action_key", "action", "reason", "hold_until", "fingerprint"]
    day = as_date(run_date)
    keys = set(open_actions["action_key"].dropna().astype(str))
    if not keys or not Path(runs_dir).exists():
        return pd.DataFrame(columns=columns)
    dates = [key_date(k) for k in keys]
    first = min([d for d in dates if d is not None] or [day - dt.timedelta(days=LOOKBACK_DAYS)])
    first = max(first, day - dt.timedelta(days=LOOKBACK_DAYS))
    frames = []
    for folder in sorted(Path(runs_dir).iterdir()):
        try:
            night = dt.date.fromisoformat(folder.name)
        except ValueError:
            continue
        path = folder / "decisions.parquet"
        if first <= night < day and path.exists():
            frames.append(_written_rows(path, keys).assign(_night=night))
    if not frames:
        return pd.DataFrame(columns=columns)
    rows = pd.concat(frames, ignore_index=True).sort_values("_night")
    return rows.drop_duplicates("action_key", keep="last").reindex(columns=columns)


def _written_rows(path: Path, keys: set[str]) -> pd.DataFrame:
    dataset = ds.dataset(path)
    wanted = [c for c in ("action_key", "action", "reason", "policy_reason", "hold_until",
                          "fingerprint", "write", "request_topic", "case_subject")
              if c in dataset.schema.names]
    table = dataset.to_table(columns=wanted, filter=ds.field("action_key").isin(list(keys)))
    rows = table.to_pandas()
    rows = rows[rows["write"].astype(bool)] if "write" in rows else rows
    if "fingerprint" not in rows or rows["fingerprint"].isna().all():
        rows = rows.assign(fingerprint=fingerprints(rows))
    return rows


def fingerprints(decisions: pd.DataFrame) -> pd.Series:
    """What a task says, in one comparable string: action, reason, request and case."""
    reason = decisions["policy_reason"] if "policy_reason" in decisions else decisions["reason"]
    parts = [decisions["action"].astype(str), reason.astype(str)]
    for column in ("request_topic", "case_subject"):
        values = decisions[column] if column in decisions else pd.Series("", decisions.index)
        parts.append(values.fillna("").astype(str))
    out = parts[0]
    for part in parts[1:]:
        out = out + "|" + part
    return out


# --- reconciling tonight's decisions with the open tasks ----------------------------------------


def one_task_per_person(decisions: pd.DataFrame, open_actions: pd.DataFrame,
                        earlier: pd.DataFrame, routes: pd.DataFrame, run_date,
                        contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Keep, update or close each person's open task instead of adding a second one.

    Parameters
    ----------
    decisions : pandas.DataFrame
        Tonight's decisions (DECISIONS columns plus ``fingerprint``), one row per person.
    open_actions : pandas.DataFrame
        Open empathy tasks in every CRM: ``contact_key``, ``source``, ``action_key``.
    earlier : pandas.DataFrame
        :func:`earlier_decisions`.
    routes : pandas.DataFrame
        :func:`most_engaged_records`.
    run_date : date-like
        Tonight.
    contacts : pandas.DataFrame, optional
        The contact records, to address an update to the CRM its open task lives in.

    Returns
    -------
    pandas.DataFrame
        ``decisions`` with the routing columns, ``task_state``, ``supersedes``, ``close_keys``.
    """
    day = as_date(run_date)
    out = decisions.merge(routes, on="contact_key", how="left")
    out = _standing_opt_outs(out)
    by_person = _open_by_person(open_actions)
    known = earlier.set_index("action_key") if len(earlier) else pd.DataFrame()
    states = [_reconcile(row, by_person.get(row["contact_key"], []), known, day)
              for row in out.to_dict("records")]
    for column in ("task_state", "supersedes", "close_keys", "write", "action_key", "action",
                   "reason", "target_crm"):
        current = out[column].tolist() if column in out else [None] * len(out)
        out[column] = pd.Series([state.get(column, value) for state, value in
                                 zip(states, current, strict=True)], index=out.index,
                                dtype=object)
    out["write"] = out["write"].astype(bool)
    if contacts is not None:
        _readdress(out, contacts)
    out.loc[out["task_state"] == "keep", "why"] = (
        "Already has an open task in the CRM, so nothing new is written.")
    return out


def _readdress(out: pd.DataFrame, contacts: pd.DataFrame) -> None:
    """An update goes to the CRM its open task lives in: that CRM's record and owner."""
    records = contacts.drop_duplicates(["contact_key", "source"]).set_index(
        ["contact_key", "source"])
    for position in np.flatnonzero((out["task_state"] == "update").to_numpy()):
        where = (out["contact_key"].iat[position], out["target_crm"].iat[position])
        if where in records.index:
            record = records.loc[where]
            out.iloc[position, out.columns.get_loc("target_source_id")] = record["source_id"]
            out.iloc[position, out.columns.get_loc("target_owner_id")] = record["owner_id"]


def _standing_opt_outs(out: pd.DataFrame) -> pd.DataFrame:
    """An opt-out is one standing record: a stable key, no end date, never a dated hold."""
    opted = (out["reason"] == "opted_out").to_numpy()
    if opted.any():
        out.loc[opted, "action_key"] = [opt_out_key(k) for k in out.loc[opted, "contact_key"]]
    return out


def _open_by_person(open_actions: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    rows = open_actions.dropna(subset=["contact_key", "action_key"])
    for key, source, action_key in zip(rows["contact_key"], rows["source"], rows["action_key"],
                                       strict=True):
        pair = (str(source), str(action_key))
        if pair not in found.setdefault(str(key), []):
            found[str(key)].append(pair)
    return found


def _reconcile(row: dict, open_tasks: list[tuple[str, str]], known: pd.DataFrame,
               day: dt.date) -> dict:
    """The state of one person's decision given their open tasks (see the module docstring)."""
    wants = bool(row["write"])
    if not open_tasks:
        return {"task_state": "new" if wants else "none"}
    keeper = _keeper(row, open_tasks)
    closes = [f"{crm}:{key}" for crm, key in open_tasks if (crm, key) != keeper]
    state = {"close_keys": " ".join(closes) or None}
    crm, key = keeper
    previous = known.loc[key] if key in known.index else None
    opted_out = row["reason"] == "opted_out"
    if key == row["action_key"]:  # tonight's own task (a re-run) or the standing opt-out record
        if opted_out:  # the standing record is already there: written once
            return {**state, "task_state": "keep", "write": False}
        return {**state, "task_state": "new" if wants else "close",
                "close_keys": " ".join(closes + ([] if wants else [f"{crm}:{key}"])) or None}
    if opted_out:  # anything else open for an opted-out person gives way to the record
        return {**state, "task_state": "new", "write": True,
                "close_keys": " ".join(closes + [f"{crm}:{key}"])}
    if key.startswith(OPT_OUT_PREFIX) or previous is None:
        # opted back in: the record no longer applies; unknown task: leave it alone
        if key.startswith(OPT_OUT_PREFIX):
            closes.append(f"{crm}:{key}")
            return {"task_state": "new" if wants else "close", "close_keys": " ".join(closes)}
        return {**state, **_kept()}
    if row["reason"] == "open_action":  # the policy itself kept the open task
        return {**state, **_kept()}
    if wants:
        if previous["fingerprint"] == row.get("fingerprint"):
            return {**state, **_kept()}
        return {**state, "task_state": "update", "supersedes": key, "action_key": key,
                "target_crm": crm}
    if _hold_still_stands(previous, row, day):
        return {**state, **_kept()}
    return {"task_state": "close", "close_keys": " ".join(closes + [f"{crm}:{key}"])}


def _kept() -> dict:
    return {"task_state": "keep", "write": False, "action": "silence", "reason": "open_action"}


def _keeper(row: dict, open_tasks: list[tuple[str, str]]) -> tuple[str, str]:
    """Which open task stays: tonight's key, else one in the target CRM, newest first."""
    for task in open_tasks:
        if task[1] == row["action_key"]:
            return task
    target = row.get("target_crm")
    ranked = sorted(open_tasks, key=lambda t: (t[0] == target, key_date(t[1]) or dt.date.max,
                                               t[1]), reverse=True)
    return ranked[0]


def _hold_still_stands(previous: pd.Series, row: dict, day: dt.date) -> bool:
    """A hold is not closed before its date unless the person now needs outreach."""
    if previous["action"] != "silence" or row["action"] in OUTREACH:
        return False
    until = previous.get("hold_until")
    return until is not None and not pd.isna(until) and as_date(until) >= day
