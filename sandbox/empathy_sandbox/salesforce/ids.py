"""Salesforce record ids: 15-character ids with the 3-character case-safe suffix.

A record's id is ``<prefix>`` + ``"8d"`` (a made-up pod) + a 10-digit number: for seeded records
the ``id`` of the world row behind it (``sandbox.seeding``), so a re-seed after
``/_admin/advance`` gives every existing record its old id; records created through the API
number from ``salesforce_writes.API_ID_BASE``. Digits only, so the suffix is always valid.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

POD = "8d"
_SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")


def case_safe_suffix(id15: str) -> str:
    """The 3 characters Salesforce appends to make a 15-character id case-insensitive."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_CHARS[bits])
    return "".join(out)


def make_id(prefix: str, sequence: int) -> str:
    """The 18-character id numbered ``sequence`` of the object with ``prefix``."""
    id15 = f"{prefix}{POD}{sequence:010d}"
    return id15 + case_safe_suffix(id15)


def make_ids(prefix: str, sequences: pd.Series | np.ndarray) -> pd.Series:
    """Vectorised :func:`make_id` for seeding (digits only, so the suffix is constant)."""
    head = prefix + POD
    suffix = case_safe_suffix(head + "0" * 10)
    seq = pd.Series(np.asarray(sequences, dtype=np.int64))
    return head + seq.astype(str).str.zfill(10) + suffix


def normalize_id(value: str) -> str | None:
    """Return the 18-character form of a 15- or 18-character id, or None if malformed."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        return None
    if len(value) == 15:
        return value + case_safe_suffix(value)
    return value[:15] + case_safe_suffix(value[:15])
