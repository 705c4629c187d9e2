"""The rule of docs/architecture.md, checked on the source: every import points down."""

from __future__ import annotations

import re

from tests.architecture.import_graph import (
    ROOT,
    Edge,
    all_edges,
    product_modules,
    sandbox_violations,
    violations,
)


def test_every_product_import_points_down():
    assert violations(all_edges()) == []


def test_the_sandbox_imports_nothing_of_the_product():
    assert sandbox_violations() == []


def test_the_checker_catches_an_upward_import():
    """The check can fail: an upward, a sideways and a sandbox import are each reported."""
    path = ROOT / "models" / "policy.py"
    bad = [Edge("empathy_engine.models.policy", "empathy_engine.stages.decide", path, 1),
           Edge("empathy_engine.core.errors", "empathy_engine.models.model", path, 2),
           Edge("empathy_engine.models.policy", "empathy_engine.connectors.retry", path, 3),
           Edge("empathy_engine.stages.demo", "empathy_sandbox.testing", path, 4),
           Edge("empathy_engine.stages.decide", "models.policy", path, 5)]
    assert len(violations(bad)) == 5


def test_the_floors_in_the_architecture_doc_match_the_checker():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    for package in ["empathy_engine.core", "empathy_engine.connectors", "empathy_engine.models",
                    "empathy_engine.expectations", "empathy_engine.airflow_plugin"]:
        assert package in doc, f"docs/architecture.md does not mention {package}"
    assert re.search(r"floor 0.*core", doc, re.IGNORECASE | re.DOTALL)


def test_every_source_file_is_a_known_module():
    modules = product_modules()
    assert "empathy_engine.core.errors" in modules
    assert "empathy_engine.airflow_plugin.hooks" in modules
    assert "dags.empathy_nightly" in modules
