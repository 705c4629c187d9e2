"""The Great Expectations suites, kept as JSON files next to this module.

Each ``<name>.json`` is a GX Core 1.x expectation suite in GX's own format, so a data engineer
can read and edit it without touching Python. Two keys carry this project's conventions:

- ``meta.fix`` on each expectation: what to do when it fails (shown in the quality report);
- ``meta.id_column`` on the suite: the column that identifies a failing row in the report.

Great Expectations is imported only when a suite is built (the import is slow).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import great_expectations as gx

SUITES_DIR = Path(__file__).resolve().parent

#: The suites the pipeline runs, in pipeline order.
SUITE_NAMES = ("activities", "contacts", "decisions")


def suite_path(name: str) -> Path:
    """Return the JSON file that defines the suite ``name``."""
    if name not in SUITE_NAMES:
        raise ValueError(f"unknown expectation suite {name!r}; expected one of {SUITE_NAMES}")
    return SUITES_DIR / f"{name}.json"


@cache
def load_suite_definition(name: str) -> dict[str, Any]:
    """Read the suite ``name`` as a plain dict (GX's suite JSON format)."""
    with suite_path(name).open(encoding="utf-8") as handle:
        return json.load(handle)


def build_suite(name: str) -> gx.ExpectationSuite:
    """Build a fresh :class:`great_expectations.ExpectationSuite` from its JSON file."""
    import great_expectations as gx

    definition = load_suite_definition(name)
    return gx.ExpectationSuite(
        name=definition["name"],
        expectations=copy.deepcopy(definition["expectations"]),
        meta=dict(definition.get("meta", {})),
        notes=definition.get("notes"),
    )


def id_column(name: str) -> str | None:
    """Return the column that identifies a failing row of suite ``name`` in reports."""
    return load_suite_definition(name).get("meta", {}).get("id_column")
