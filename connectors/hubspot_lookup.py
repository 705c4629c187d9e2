"""Finding the tasks a write-back already created in HubSpot, by action key.

After a create whose answer was lost (or a crash before its task ids were kept) the sink asks
HubSpot what exists before it creates anything again:

- with the unique key property: one batch read by ``idProperty`` per 100 keys;
- without it (ledger mode): the contacts' tasks, read through v4 batch association reads
  (1,000 contacts a call), and their bodies, which end with the key's marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hubspot import HubSpot

READ_LIMIT = 100
ASSOCIATION_READ_LIMIT = 1000
MARKER = re.compile(r"\[empathy:([^\]\s]+)\]")


def key_marker(action_key: str) -> str:
    """The line that ends every task body: how a task is found without the key property."""
    return f"[empathy:{action_key}]"


class TaskFinder:
    """Looks up task ids by action key; ``call`` runs one request under the retry policy."""

    def __init__(self, client: HubSpot, call: Callable, key_property: str):
        self.client, self.call, self.key_property = client, call, key_property

    def by_key_property(self, keys: list[str]) -> dict[str, str]:
        """``{action_key: task id}`` of the keys that exist (the property is unique)."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), READ_LIMIT):
            chunk = keys[start:start + READ_LIMIT]
            response = self.call(self.client.crm.objects.tasks.batch_api.read,
                                 batch_read_input_simple_public_object_id={
                                     "idProperty": self.key_property,
                                     "inputs": [{"id": k} for k in chunk],
                                     "properties": [self.key_property]})
            wanted = {k.lower(): k for k in chunk}
            for obj in response.results:
                value = (obj.properties or {}).get(self.key_property) or ""
                if value.lower() in wanted:
                    found[wanted[value.lower()]] = str(obj.id)
        return found

    def by_marker(self, contacts_by_key: dict[str, str]) -> dict[str, str]:
        """``{action_key: task id}`` of the keys whose task is among its contact's tasks."""
        tasks_of = self._contact_tasks(sorted(set(contacts_by_key.values())))
        candidates = sorted({t for k, c in contacts_by_key.items() for t in tasks_of.get(c, [])})
        found: dict[str, str] = {}
        for start in range(0, len(candidates), READ_LIMIT):
            response = self.call(self.client.crm.objects.tasks.batch_api.read,
                                 batch_read_input_simple_public_object_id={
                                     "inputs": [{"id": i} for i in
                                                candidates[start:start + READ_LIMIT]],
                                     "properties": ["hs_task_body"]})
            for obj in response.results:
                body = (obj.properties or {}).get("hs_task_body") or ""
                for key in MARKER.findall(body):
                    if key in contacts_by_key and str(obj.id) in tasks_of.get(
                            contacts_by_key[key], ()):
                        found.setdefault(key, str(obj.id))
        return found

    def _contact_tasks(self, contact_ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        batch_api = self.client.crm.associations.v4.batch_api
        for start in range(0, len(contact_ids), ASSOCIATION_READ_LIMIT):
            chunk = contact_ids[start:start + ASSOCIATION_READ_LIMIT]
            response = self.call(batch_api.get_page, "contacts", "tasks",
                                 batch_input_public_fetch_associations_batch_request={
                                     "inputs": [{"id": c} for c in chunk]})
            for item in response.results or []:
                out[str(item._from.id)] = [str(t.to_object_id) for t in item.to or []]
        return out
