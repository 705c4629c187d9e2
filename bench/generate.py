"""Generate a large canonical activity table straight to Parquet (numpy + pyarrow, chunked).

Every table is built by :func:`canonical_table` from the product's own schemas
(:mod:`empathy_engine.core.schema`): a column the schema gains later is filled in, typed, as
the product leaves it before scoring, so a schema change cannot break the benchmarks' data.

Each contact has a base rate and, for a third of them, a churn day after which they go
quiet; a fifth are frustrated (cases, complaining e-mails). About one inbound row in five
carries a text from a small pool, so tone scoring runs on realistic, repetitive CRM text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from empathy_engine.core.schema import ACTIVITIES, CONTACTS

START_US = 1_704_067_200_000_000  # 2024-01-01T00:00:00Z
DAY_US = 86_400_000_000
KINDS = np.array(
    ["email", "call", "meeting", "note", "case_opened", "case_escalated", "case_closed", "purchase"]
)
KIND_SHARES = np.array([0.52, 0.12, 0.08, 0.06, 0.04, 0.02, 0.03, 0.13])
TEXTS = np.array(
    [
        "Thanks, that works for us.",
        "Great call today, see you next week.",
        "Looks good to me.",
        "Can you send the updated quote?",
        "We are reviewing internally and will get back to you.",
        "Still waiting for a fix, this is the third time I ask.",
        "This is unacceptable, please escalate.",
        "No response again. We are thinking about cancelling.",
        "Too many emails lately, please stop.",
        "I'm swamped this month, let's talk in the spring.",
        "The new release is excellent, thank you!",
        "Invoice received, all fine.",
    ]
)


def canonical_table(columns: dict, table_schema: pa.Schema, *, from_pandas: bool = False) -> pa.Table:
    """A table with exactly ``table_schema``'s fields, in order and typed.

    ``columns`` maps field names to arrays of one length. A field not given is null: what the
    product stores before it scores a row (tone and the complaint flags of an unscored text).
    A column the schema does not know is an error, not silently dropped. ``from_pandas``
    reads NaN as null, as DuckDB reads a pandas float column.
    """
    unknown = sorted(set(columns) - set(table_schema.names))
    if unknown:
        raise ValueError(f"{unknown} are not columns of the canonical schema {table_schema.names}")
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    n = lengths.pop()
    arrays = [
        pa.array(columns[field.name], field.type, from_pandas=from_pandas)
        if field.name in columns
        else pa.nulls(n, field.type)
        for field in table_schema
    ]
    return pa.Table.from_arrays(arrays, schema=table_schema)


def contact_keys(n_contacts: int) -> pa.Array:
    """``c0000000@example.com``-style keys for contact indices 0..n-1."""
    numbers = pc.utf8_lpad(pc.cast(pa.array(np.arange(n_contacts)), pa.string()), 7, "0")
    return pc.binary_join_element_wise("c", numbers, "@example.com", "")


def _chunk(rng, first: int, n: int, per_contact: float, days: int, keys: pa.Array) -> pa.Table:
    rate = rng.gamma(2.0, per_contact / 2.0, n)
    counts = rng.poisson(rate)
    contact = np.repeat(np.arange(first, first + n), counts)
    local = contact - first
    # a third of the contacts go quiet for good somewhere in the year
    active_days = np.where(rng.random(n) < 0.33, rng.uniform(0.3, 1.0, n) * days, days)
    day = rng.random(len(contact)) * active_days[local]
    kind_index = rng.choice(len(KINDS), len(contact), p=KIND_SHARES)
    kind = KINDS[kind_index]
    inbound = rng.random(len(contact)) < 0.55
    direction = np.where(inbound, "inbound", "outbound").astype(object)
    direction[np.isin(kind, ["case_escalated", "case_closed", "purchase"])] = None
    has_text = inbound & np.isin(kind, ["email", "case_opened"]) & (rng.random(len(contact)) < 0.4)
    text = np.where(has_text, TEXTS[rng.integers(0, len(TEXTS), len(contact))], None)
    amount = np.where(kind == "purchase", rng.gamma(2.0, 80.0, len(contact)), np.nan)
    is_case = np.char.startswith(kind.astype(str), "case")
    case_number = contact * 4 + rng.integers(0, 4, len(contact))
    case_id = pc.if_else(pa.array(is_case), pc.cast(pa.array(case_number), pa.string()), None)
    return canonical_table(
        {
            "contact_key": pc.take(keys, pa.array(contact)),
            "source": np.where(contact % 3 == 0, "hubspot", "salesforce"),
            "activity_id": pc.cast(pa.array(np.arange(len(contact)) + first * 1000), pa.string()),
            "ts": (START_US + day * DAY_US).astype("int64"),
            "kind": kind,
            "direction": direction,
            "amount": amount,
            "case_id": case_id,
            "text": text,
        },
        ACTIVITIES,
    )


def generate(
    folder,
    n_contacts: int,
    activities_per_contact: float = 30.0,
    *,
    days: int = 365,
    seed: int = 0,
    chunk_contacts: int = 100_000,
) -> dict:
    """Write ``activities.parquet`` and ``contacts.parquet`` into ``folder``.

    Returns
    -------
    dict
        Paths, row counts and the cutoff (the end of the generated history).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    keys = contact_keys(n_contacts)
    rows = 0
    path = folder / "activities.parquet"
    with pq.ParquetWriter(path, ACTIVITIES, compression="zstd") as writer:
        for first in range(0, n_contacts, chunk_contacts):
            n = min(chunk_contacts, n_contacts - first)
            table = _chunk(rng, first, n, activities_per_contact, days, keys)
            writer.write_table(table, row_group_size=1_000_000)
            rows += table.num_rows
    _write_contacts(folder / "contacts.parquet", keys, rng)
    cutoff_us = START_US + days * DAY_US
    return {
        "activities": path,
        "contacts": folder / "contacts.parquet",
        "rows": rows,
        "contacts_n": n_contacts,
        "cutoff_us": cutoff_us,
    }


def _write_contacts(path: Path, keys: pa.Array, rng) -> None:
    n = len(keys)
    created = START_US - (rng.uniform(0, 700, n) * DAY_US).astype("int64")
    table = canonical_table(
        {
            "contact_key": keys,
            "source": np.full(n, "salesforce"),
            "source_id": pc.cast(pa.array(np.arange(n)), pa.string()),
            "owner_id": np.full(n, "005000000000001"),
            "account_id": np.full(n, "001000000000001"),
            "industry": np.full(n, "software"),
            "title": np.full(n, "Manager"),
            "opted_out": rng.random(n) < 0.03,
            "created_at": created,
            "updated_at": created,
        },
        CONTACTS,
    )
    pq.write_table(table, path, compression="zstd")
