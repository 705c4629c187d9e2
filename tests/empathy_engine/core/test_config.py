from datetime import date

import pytest

from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.core.errors import ConfigError


def test_defaults_are_valid():
    config = PipelineConfig(data_dir="x")
    assert config.sources == ("salesforce", "hubspot") and not config.dry_run


@pytest.mark.parametrize("bad,match", [({"sources": ("zoho",)}, "subset"),
                                       ({"label": "churn"}, "label"),
                                       ({"risk_threshold": 1.5}, "between 0 and 1"),
                                       ({"horizon_days": 2}, "at least 7")])
def test_bad_settings_say_how_to_fix(bad, match):
    with pytest.raises(ConfigError, match=match):
        PipelineConfig(**bad)


def test_from_params_ignores_unknown_and_none():
    config = PipelineConfig.from_params({"dry_run": True, "data_dir": None, "other": 1,
                                         "sources": ["hubspot"]})
    assert config.dry_run and config.sources == ("hubspot",)


def test_run_paths(tmp_path):
    paths = RunPaths.of(PipelineConfig(data_dir=str(tmp_path)), date(2026, 11, 1))
    assert paths.file("x.parquet") == tmp_path / "runs" / "2026-11-01" / "x.parquet"
    assert paths.run_dir.is_dir()


def test_full_refresh_comes_from_the_dag_params():
    assert PipelineConfig.from_params({"full_refresh": True}).full_refresh
    assert not PipelineConfig().full_refresh
