"""What a write-back did, per action key: the record of a run that nothing may lose."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WriteResult:
    """Outcome of writing one batch of tasks to one CRM."""

    crm: str
    created: dict[str, str] = field(default_factory=dict)  # action_key -> task id
    updated: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # action_key -> message

    def ok(self, action_key: str, task_id: str, *, created: bool) -> None:
        (self.created if created else self.updated)[action_key] = task_id

    def failed(self, action_key: str, message: str) -> None:
        self.errors[action_key] = message

    def merge(self, other: WriteResult) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.errors.update(other.errors)

    def rows(self) -> list[dict]:
        """One row per action key, for the run's write-back log."""
        out = [{"crm": self.crm, "action_key": k, "task_id": v, "status": "created", "error": None}
               for k, v in self.created.items()]
        out += [{"crm": self.crm, "action_key": k, "task_id": v, "status": "updated", "error": None}
                for k, v in self.updated.items()]
        out += [{"crm": self.crm, "action_key": k, "task_id": None, "status": "failed", "error": e}
                for k, e in self.errors.items()]
        return out
