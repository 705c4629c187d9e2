"""HubSpot reads for incremental pulls: keyset search windows and v4 association batches.

CRM search stops at 10,000 results per query (HTTP 400 beyond), and paging by offset through
records that share one modification time loops or skips (crm-facts item 5). So the search here
sorts by ``hs_object_id`` and, before the offset nears the cap, starts a new query with
``hs_object_id > <last id seen>``: each window is an exact continuation of the last, however
many records changed. Search is limited to about 5 requests a second; calls are paced here and
429s are retried by ``connectors.retry``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from .bookmarks import Window, epoch_ms
from .retry import ApiBudget, call

SOURCE = "hubspot"
SEARCH_PAGE = 200  # HubSpot's maximum search page
SEARCH_CAP = 10_000  # results one search query can page through
ASSOCIATION_BATCH = 1000  # ids per v4 batch read


@dataclass
class KeysetSearch:
    """Every record of one object type modified in a window, each exactly once.

    ``page`` and ``cap`` are HubSpot's limits; tests shrink them to exercise the windows.
    ``min_interval_s`` spaces search calls (about 5 a second).
    """

    client: HubSpot
    budget: ApiBudget
    timeout_s: float
    page: int = SEARCH_PAGE
    cap: int = SEARCH_CAP
    min_interval_s: float = 0.2
    calls: int = 0
    _last_call: float = 0.0

    def changed(self, object_type: str, properties, modified_property: str,
                window: Window) -> Iterator:
        """Records with ``window.start <= modified < window.end``, by ascending id."""
        last_id: str | None = None
        while True:
            offset, filters = 0, self._filters(modified_property, window, last_id)
            while True:  # one window: offset paging under fixed filters
                result = self._search(object_type, properties, filters, offset)
                yield from result.results
                if result.results:
                    last_id = result.results[-1].id
                if result.paging is None or result.paging.next is None:
                    return
                offset = int(result.paging.next.after)
                if offset + self.page > self.cap:
                    break  # the next page would cross the cap: new window after last_id

    @staticmethod
    def _filters(modified_property: str, window: Window, last_id: str | None) -> list[Filter]:
        filters = [Filter(property_name=modified_property, operator="LT",
                          value=epoch_ms(window.end))]
        if window.start is not None:
            filters.append(Filter(property_name=modified_property, operator="GTE",
                                  value=epoch_ms(window.start)))
        if last_id is not None:
            filters.append(Filter(property_name="hs_object_id", operator="GT", value=last_id))
        return filters

    def _search(self, object_type: str, properties, filters: list[Filter], offset: int):
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=filters)],
            sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            properties=list(properties), limit=self.page, after=str(offset))
        wait = self._last_call + self.min_interval_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_call = time.monotonic()
        self.calls += 1
        return call(SOURCE, self.client.crm.objects.search_api.do_search, object_type,
                    public_object_search_request=request, _request_timeout=self.timeout_s,
                    budget=self.budget)


def first_contacts(client: HubSpot, budget: ApiBudget, timeout_s: float, object_type: str,
                   ids: list[str]) -> dict[str, str]:
    """object id -> the contact it belongs to (the lowest associated contact id), via v4 batch
    reads of up to 1,000 ids; objects with no contact are absent."""
    out: dict[str, str] = {}
    for start in range(0, len(ids), ASSOCIATION_BATCH):
        chunk = ids[start:start + ASSOCIATION_BATCH]
        body = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in chunk])
        # a 207 lists the objects without contacts as errors: that is an answer, not a failure
        result = call(SOURCE, client.crm.associations.v4.batch_api.get_page, object_type,
                      "contacts", batch_input_public_fetch_associations_batch_request=body,
                      _request_timeout=timeout_s, budget=budget)
        for item in result.results or []:
            contacts = [str(to.to_object_id) for to in item.to or []]
            if contacts:
                out[str(item._from.id)] = min(contacts, key=int)
    return out
