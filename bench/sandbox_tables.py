"""The sandbox simulator's world as the canonical tables the model reads.

The product sees the simulator only through the CRM connectors; benchmarks and tests skip the
HTTP round trip and map the world the way the connectors do (:mod:`connectors.salesforce`,
:mod:`connectors.hubspot`): a contact is keyed by its lower-case e-mail, meetings arrive as
outbound, a case becomes ``case_opened`` (inbound, subject and description as text),
``case_escalated`` (inbound) and ``case_closed`` (outbound) rows. The tables have exactly the
product's canonical columns (:func:`bench.generate.canonical_table`), unscored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from bench.generate import canonical_table
from empathy_engine.core.schema import ACTIVITIES, CONTACTS


def canonical_frame(frame: pd.DataFrame, table_schema: pa.Schema) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns, typed (absent ones null, as unscored)."""
    columns = {name: frame[name] for name in frame.columns}
    return canonical_table(columns, table_schema, from_pandas=True).to_pandas()


def _case_rows(cases: pd.DataFrame, emails: np.ndarray) -> pd.DataFrame:
    """One row per case event that happened: opened, escalated, closed."""
    key = emails[cases["person_id"].to_numpy() - 1]
    case_id = "case:" + cases["id"].astype(str).to_numpy()
    text = (cases["subject"].fillna("") + "\n" + cases["description"].fillna("")).to_numpy()
    parts = []
    for kind, column, direction, with_text in (
        ("case_opened", "opened_at", "inbound", True),
        ("case_escalated", "escalated_at", "inbound", False),
        ("case_closed", "closed_at", "outbound", False),
    ):
        happened = cases[column].notna().to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "contact_key": key[happened],
                    "ts": cases[column].to_numpy()[happened],
                    "kind": kind,
                    "direction": direction,
                    "amount": np.nan,
                    "case_id": case_id[happened],
                    "text": text[happened] if with_text else None,
                    "activity_id": case_id[happened] + ":" + kind,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def canonical_activities(world) -> pd.DataFrame:
    """The world's activities and cases as the canonical activity table (time order)."""
    emails = world.people["email"].to_numpy(dtype=object)
    acts = world.activities
    case_id = acts["case_id"].to_numpy()
    direction = np.where(acts["kind"] == "meeting", "outbound", acts["direction"])
    rows = pd.DataFrame(
        {
            "contact_key": emails[acts["person_id"].to_numpy() - 1],
            "ts": acts["ts"].to_numpy(),
            "kind": acts["kind"].to_numpy(),
            "direction": direction,
            "amount": acts["amount"].to_numpy(),
            "case_id": np.where(case_id >= 0, "case:" + case_id.astype(str), None),
            "text": acts["text"].replace("", None).to_numpy(),
            "activity_id": "act:" + acts["id"].astype(str).to_numpy(),
        }
    )
    out = pd.concat([rows, _case_rows(world.cases, emails)], ignore_index=True)
    out["ts"] = pd.to_datetime(out["ts"], utc=True)
    out["source"] = "sandbox"
    return canonical_frame(out.sort_values("ts", kind="stable", ignore_index=True), ACTIVITIES)


def canonical_contacts(world) -> pd.DataFrame:
    """One canonical contact row per simulated person."""
    people = world.people
    frame = pd.DataFrame(
        {
            "contact_key": people["email"].to_numpy(),
            "source": "sandbox",
            "opted_out": people["opted_out"].to_numpy(dtype=bool),
            "created_at": pd.to_datetime(people["created_at"], utc=True),
        }
    )
    return canonical_frame(frame, CONTACTS)


def purchases_only(activities: pd.DataFrame) -> pd.DataFrame:
    """The purchase rows alone, as a transaction log would hold them."""
    purchases = activities[activities["kind"] == "purchase"]
    return purchases[["contact_key", "ts", "kind", "amount", "activity_id"]].reset_index(drop=True)
