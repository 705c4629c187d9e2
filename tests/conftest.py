"""Shared fixtures: a running sandbox CRM (the seam for both CRMs) and its clients."""

from __future__ import annotations

import dataclasses
import os

import pytest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


def as_dict(info) -> dict:
    if isinstance(info, dict):
        return info
    if dataclasses.is_dataclass(info):
        return dataclasses.asdict(info)
    return dict(vars(info))


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """A sandbox CRM shared by read-only tests (300 simulated people)."""
    from empathy_sandbox.testing import running_sandbox

    with running_sandbox(tmp_path_factory.mktemp("sandbox"), contacts=300, seed=11,
                         days=150) as info:
        yield as_dict(info)


@pytest.fixture
def fresh_sandbox(tmp_path):
    """A sandbox CRM of this test's own, for tests that write tasks."""
    from empathy_sandbox.testing import running_sandbox

    with running_sandbox(tmp_path / "sandbox", contacts=250, seed=5, days=150) as info:
        yield as_dict(info)
