"""HubSpot's error bodies: ``{"status": "error", "message", "correlationId", "category", …}``."""

from __future__ import annotations

import json
import uuid


class HsError(Exception):
    """An error response; ``body()`` is what HubSpot would send."""

    def __init__(self, status: int, message: str, category: str | None = "VALIDATION_ERROR",
                 errors: list[dict] | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.category = status, message, category
        self.errors, self.extra = errors, extra

    def body(self) -> dict:
        out = {"status": "error", "message": self.message, "correlationId": str(uuid.uuid4())}
        if self.category:
            out["category"] = self.category
        if self.errors:
            out["errors"] = self.errors
        out.update(self.extra)
        return out

    def batch_item(self, context: dict[str, list[str]]) -> dict:
        """This error as one entry of a batch response's ``errors``."""
        return batch_error(self.category or "VALIDATION_ERROR", self.message, context,
                           self.errors)


def batch_error(category: str, message: str, context: dict[str, list[str]],
                errors: list[dict] | None = None) -> dict:
    """One entry of a 207 response's ``errors``: HubSpot's ``StandardError``, whose members are
    all required (``errors`` and ``links`` too, even when empty)."""
    return {"status": "error", "category": category, "message": message, "context": context,
            "errors": errors or [], "links": {}}


class PropertyError(Exception):
    """One invalid property value; several are collected into one VALIDATION_ERROR."""

    def __init__(self, name: str, code: str, message: str):
        super().__init__(message)
        self.name, self.code, self.message = name, code, message

    def detail(self) -> dict:
        return {"isValid": False, "message": self.message, "error": self.code,
                "name": self.name, "localizedErrorMessage": self.message}

    def item(self) -> dict:
        return {"message": self.message, "code": self.code,
                "context": {"propertyName": [self.name]}}


def validation_error(problems: list[PropertyError]) -> HsError:
    """The 400 HubSpot sends when property values are not valid."""
    details = json.dumps([p.detail() for p in problems])
    return HsError(400, f"Property values were not valid: {details}", "VALIDATION_ERROR",
                   [p.item() for p in problems])


def not_found(message: str = "resource not found") -> HsError:
    return HsError(404, message, "OBJECT_NOT_FOUND")
