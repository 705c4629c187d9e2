"""The sandbox simulator's world as the canonical tables the model reads.

The product sees the simulator only through the CRM connectors; benchmarks and tests skip the
HTTP round trip and map the world the way the connectors do (:mod:`connectors.salesforce`,
:mod:`connectors.hubspot`): a contact is keyed by its lower-case e-mail, meetings arrive as
outbound, a case becomes ``case_opened`` (inbound, subject and description as text),
``case_escalated`` (inbound) and ``case_closed`` (outbound) rows. The tables have exactly the
product's canonical columns (:func:`bench.generate.canonical_table`), unscored. The
mapping itself is the lab's (:mod:`empathy_lab.world_tables`); this module only types it.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from empathy_lab import world_tables

from bench.generate import canonical_table
from empathy_engine.core.schema import ACTIVITIES, CONTACTS


def canonical_frame(frame: pd.DataFrame, table_schema: pa.Schema) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns, typed (absent ones null, as unscored)."""
    columns = {name: frame[name] for name in frame.columns}
    return canonical_table(columns, table_schema, from_pandas=True).to_pandas()


def canonical_activities(world) -> pd.DataFrame:
    """The world's activities and cases as the canonical activity table (time order)."""
    return canonical_frame(world_tables.canonical_activities(world), ACTIVITIES)


def canonical_contacts(world) -> pd.DataFrame:
    """One canonical contact row per simulated person (no industry or title, as before)."""
    contacts = world_tables.canonical_contacts(world)
    return canonical_frame(contacts[["contact_key", "source", "opted_out", "created_at"]],
                           CONTACTS)


def purchases_only(activities: pd.DataFrame) -> pd.DataFrame:
    """The purchase rows alone, as a transaction log would hold them."""
    purchases = activities[activities["kind"] == "purchase"]
    return purchases[["contact_key", "ts", "kind", "amount", "activity_id"]].reset_index(drop=True)
