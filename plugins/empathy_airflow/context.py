"""What an Airflow task of this project reads from its context: settings, date, data dir."""

from __future__ import annotations

import os
from datetime import date

from empathy_engine.core.config import PipelineConfig


def airflow_data_dir() -> str:
    """``$EMPATHY_DATA_DIR``, else ``$AIRFLOW_HOME/empathy``: where runs and models live."""
    home = os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow"))
    return os.environ.get("EMPATHY_DATA_DIR") or os.path.join(home, "empathy")


def config_from_context() -> PipelineConfig:
    """The pipeline settings from the DAG run's params (an empty data_dir means the default)."""
    from airflow.sdk import get_current_context

    params = dict(get_current_context()["params"])
    params["data_dir"] = params.get("data_dir") or airflow_data_dir()
    return PipelineConfig.from_params(params)


def run_date_from_context() -> date:
    """The run's logical date, or when it was due for runs triggered without one."""
    from airflow.sdk import get_current_context

    context = get_current_context()
    return (context.get("logical_date") or context["dag_run"].run_after).date()
