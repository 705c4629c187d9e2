"""The product's import graph, read from the source with ``ast`` (nothing is imported).

Floors, bottom to top (docs/architecture.md):

    0  empathy_engine.core                      errors, canonical schemas, config types
    1  empathy_engine.connectors / .models / .expectations
    2  empathy_engine (stages, pipeline, cli, demo, access, airflow_env, sandbox_process)
    3  empathy_engine.airflow_plugin            hooks, tasks, provider, runs page
    4  dags                                     DAG files

Every import points to the same floor or one below; on floor 1, ``connectors`` and ``models``
never import each other. The sandbox CRM (``empathy_sandbox``) and the product never import
each other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# folder in the repository -> dotted package it installs as
PACKAGE_DIRS = {
    "empathy_engine": "empathy_engine",
    "connectors": "empathy_engine.connectors",
    "models": "empathy_engine.models",
    "expectations": "empathy_engine.expectations",
    "plugins/empathy_airflow": "empathy_engine.airflow_plugin",
    "dags": "dags",
}

FLOORS = [  # (prefix, floor); the longest matching prefix wins
    ("empathy_engine.core", 0),
    ("empathy_engine.connectors", 1),
    ("empathy_engine.models", 1),
    ("empathy_engine.expectations", 1),
    ("empathy_engine.airflow_plugin", 3),
    ("empathy_engine", 2),
    ("dags", 4),
]

# (importer prefix, imported prefix) pairs forbidden although on the same floor
FORBIDDEN_SIDEWAYS = [
    ("empathy_engine.models", "empathy_engine.connectors"),
    ("empathy_engine.connectors", "empathy_engine.models"),
]


@dataclass(frozen=True)
class Edge:
    source: str  # module that imports
    target: str  # module it imports
    path: Path
    line: int


def floor_of(module: str) -> int | None:
    for prefix, floor in FLOORS:
        if module == prefix or module.startswith(prefix + "."):
            return floor
    return None


def product_modules() -> dict[str, Path]:
    """Every product module's dotted name and file."""
    modules = {}
    for folder, package in PACKAGE_DIRS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join([package, *parts])] = path
    return modules


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def edges_of(module: str, path: Path) -> list[Edge]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Edge(module, alias.name, path, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            found.append(Edge(module, target, path, node.lineno))
            # ``from package import submodule`` imports the submodule
            found += [Edge(module, f"{target}.{alias.name}", path, node.lineno)
                      for alias in node.names]
    return found


def all_edges() -> list[Edge]:
    return [edge for module, path in product_modules().items() for edge in edges_of(module, path)]


def violations(edges: list[Edge]) -> list[str]:
    """Each import that points up a floor, sideways where forbidden, or into the sandbox."""
    known = product_modules()
    problems = []
    for edge in edges:
        where = f"{edge.path.relative_to(ROOT)}:{edge.line}"
        top = edge.target.split(".")[0]
        if top in {"empathy_sandbox", "sandbox"}:
            problems.append(f"{where}: {edge.source} imports the sandbox ({edge.target})")
            continue
        if top in {"connectors", "models", "expectations", "empathy", "empathy_airflow"}:
            problems.append(f"{where}: {edge.source} imports the old top-level name "
                            f"{edge.target}; use empathy_engine.*")
            continue
        if top not in {"empathy_engine", "dags"}:
            continue  # the standard library or a third-party package
        if edge.target not in known and not any(m.startswith(edge.target + ".") for m in known):
            # ``from pkg import name`` where name is not a module
            continue
        src, dst = floor_of(edge.source), floor_of(edge.target)
        if src is not None and dst is not None and dst > src:
            problems.append(f"{where}: {edge.source} (floor {src}) imports {edge.target} "
                            f"(floor {dst}): imports must point down")
        for importer, imported in FORBIDDEN_SIDEWAYS:
            if edge.source.startswith(importer) and edge.target.startswith(imported):
                problems.append(f"{where}: {edge.source} imports {edge.target} "
                                f"({importer} and {imported} must stay independent)")
    return problems


def sandbox_violations() -> list[str]:
    """Imports of the product from inside the sandbox CRM's package."""
    problems = []
    folder = ROOT / "sandbox" / "empathy_sandbox"
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(folder.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for edge in edges_of(".".join(parts), path):
            if edge.target.split(".")[0] in {"empathy_engine", "connectors", "models",
                                             "expectations", "empathy", "empathy_airflow"}:
                problems.append(f"{path.relative_to(ROOT)}:{edge.line}: the sandbox imports "
                                f"the product ({edge.target})")
    return problems
