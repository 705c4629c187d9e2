"""The pipeline's settings, in one typed object validated early.

Built from the DAG's params, or from the CLI's flags; every error says how to fix it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from empathy_engine.core.crms import SOURCES
from empathy_engine.core.errors import ConfigError

LABELS = ("inactive", "drop")
DEFAULT_DATA_DIR = "var/data"


@dataclass(frozen=True)
class PipelineConfig:
    """What one nightly run does and where it keeps its files."""

    data_dir: str = field(default_factory=lambda: os.environ.get("EMPATHY_DATA_DIR",
                                                                 DEFAULT_DATA_DIR))
    sources: tuple[str, ...] = SOURCES
    horizon_days: int = 28
    label: str = "inactive"
    risk_threshold: float = 0.5
    keep_text: bool = False  # message text is scored, then dropped, unless this is set
    dry_run: bool = False  # decide everything, write nothing to the CRMs
    holdout_share: float = 0.0
    seed: int = 0
    ledger_url: str = ""  # task ledger for CRMs without an upsert key; default: SQLite in data_dir
    full_refresh: bool = False  # ignore the extract bookmarks and pull every CRM in full

    def __post_init__(self):
        unknown = set(self.sources) - set(SOURCES)
        if unknown or not self.sources:
            raise ConfigError(f"sources must be a non-empty subset of {', '.join(SOURCES)}; "
                              f"got {list(self.sources)}")
        if self.label not in LABELS:
            raise ConfigError(f"label must be one of {LABELS}, got {self.label!r}")
        if not 0 < self.risk_threshold < 1:
            raise ConfigError(f"risk_threshold must be between 0 and 1, got {self.risk_threshold}")
        if not 0 <= self.holdout_share < 1:
            raise ConfigError(f"holdout_share must be in [0, 1), got {self.holdout_share}")
        if self.horizon_days < 7:
            raise ConfigError(f"horizon_days must be at least 7, got {self.horizon_days}")

    @classmethod
    def from_params(cls, params: dict) -> PipelineConfig:
        """Build from a dict (e.g. Airflow DAG params), ignoring keys that are None."""
        known = {k: v for k, v in params.items() if k in cls.__dataclass_fields__ and v is not None}
        if "sources" in known:
            known["sources"] = tuple(known["sources"])
        try:
            return cls(**known)
        except TypeError as exc:
            raise ConfigError(f"bad pipeline setting: {exc}") from exc

    @property
    def task_ledger_url(self) -> str:
        """Where the write-back ledger lives (shared storage when runs are distributed)."""
        if self.ledger_url:
            return self.ledger_url
        Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{Path(self.data_dir).resolve() / 'task_ledger.sqlite'}"

    def with_(self, **changes) -> PipelineConfig:
        return replace(self, **changes)


@dataclass(frozen=True)
class RunPaths:
    """Where one run's files live: ``<data_dir>/runs/<run_date>/``."""

    data_dir: Path
    run_date: date

    @classmethod
    def of(cls, config: PipelineConfig, run_date: date) -> RunPaths:
        return cls(Path(config.data_dir), run_date)

    @property
    def run_dir(self) -> Path:
        path = self.data_dir / "runs" / self.run_date.isoformat()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"

    def file(self, name: str) -> Path:
        return self.run_dir / name
