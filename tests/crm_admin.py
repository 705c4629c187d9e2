"""Read the sandbox CRM's admin endpoints from tests."""

from __future__ import annotations

import requests


def admin_tasks(info: dict) -> list[dict]:
    body = requests.get(f"{info['admin_url']}/tasks", timeout=30).json()
    return body["tasks"] if isinstance(body, dict) else body


def admin_stats(info: dict) -> dict:
    return requests.get(f"{info['admin_url']}/stats", timeout=30).json()
