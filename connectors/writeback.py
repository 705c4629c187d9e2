"""What a write-back did, per action key: the record of a run that nothing may lose."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class WriteResult:
    """Outcome of writing tasks to one CRM; sinks fill it as they go, so that what was
    written before a failure is still known when the failure is raised."""

    crm: str
    created: dict[str, str] = field(default_factory=dict)  # action_key -> task id
    updated: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # action_key -> message

    def ok(self, action_key: str, task_id: str, *, created: bool) -> None:
        self.errors.pop(action_key, None)
        (self.created if created else self.updated)[action_key] = task_id

    def failed(self, action_key: str, message: str) -> None:
        self.errors[action_key] = message

    def merge(self, other: WriteResult) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.errors.update(other.errors)

    def written(self) -> int:
        return len(self.created) + len(self.updated)

    def done(self) -> set[str]:
        """Every key with an outcome (written or failed)."""
        return set(self.created) | set(self.updated) | set(self.errors)

    def rows(self) -> list[dict]:
        """One row per action key, for the run's write-back log."""
        out = [{"crm": self.crm, "action_key": k, "task_id": v, "status": "created", "error": None}
               for k, v in self.created.items()]
        out += [{"crm": self.crm, "action_key": k, "task_id": v, "status": "updated", "error": None}
                for k, v in self.updated.items()]
        out += [{"crm": self.crm, "action_key": k, "task_id": None, "status": "failed", "error": e}
                for k, e in self.errors.items()]
        return out
