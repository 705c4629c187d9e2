"""Bulk API 2.0 reads: one query job instead of hundreds of REST pages for a large pull.

Salesforce recommends Bulk API 2.0 above about 2,000 records; a full pull of a large org's
activity is millions. The job's CSV pages are turned back into records shaped like the REST
API's (booleans as booleans, nulls as None, ``Account.Industry`` as a nested object), so the
streams' row functions read either.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from simple_salesforce import Salesforce

from .retry import ApiBudget, call

SOURCE = "salesforce"
#: seconds simple-salesforce sleeps before polling a job (its default, 5, is for huge jobs)
POLL_WAIT_S = 1


def _value(text: str):
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    return text


def typed(row: dict[str, str]) -> dict:
    """A CSV row as a REST-shaped record: typed scalars, relationship paths nested."""
    record: dict = {}
    for column, text in row.items():
        parent, _, child = column.partition(".")
        if child:
            record.setdefault(parent, {})[child] = _value(text)
        else:
            record[column] = _value(text)
    return record


def bulk_query(sf: Salesforce, sobject: str, soql: str, *, budget: ApiBudget,
               include_deleted: bool = False) -> Iterator[dict]:
    """All records of ``soql`` through a Bulk API 2.0 query job (retried as a whole)."""
    def run() -> list[str]:
        job = getattr(sf.bulk2, sobject)
        query = job.query_all if include_deleted else job.query
        return list(query(soql, wait=POLL_WAIT_S))

    for page in call(SOURCE, run, budget=budget):
        yield from (typed(row) for row in csv.DictReader(io.StringIO(page)))
