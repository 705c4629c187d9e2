"""Data-quality gates: Great Expectations suites on the canonical tables.

The suites live as JSON next to this package (``activities.json``, ``contacts.json``,
``decisions.json``); :mod:`expectations.runner` runs them in an ephemeral GX context and
returns a :class:`QualityReport`. A failed gate raises
:class:`empathy.errors.DataQualityError` and nothing is written to a CRM.

>>> from expectations import validate_decisions       # doctest: +SKIP
>>> validate_decisions(decisions).raise_for_failure()  # doctest: +SKIP
"""

from empathy_engine.expectations.quality_report import QualityReport
from empathy_engine.expectations.runner import validate, validate_activities, validate_contacts, validate_decisions
from empathy_engine.expectations.suites import SUITE_NAMES, build_suite

__all__ = [
    "SUITE_NAMES",
    "QualityReport",
    "build_suite",
    "validate",
    "validate_activities",
    "validate_contacts",
    "validate_decisions",
]
