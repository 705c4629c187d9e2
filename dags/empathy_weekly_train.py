"""Empathy Engine, weekly: train a challenger model on the latest nightly history.

The registry compares it with the champion on the same held-out period and promotes it only
if it is not worse; the previous champion can be restored with the registry's `restore`.
"""

from datetime import datetime, timedelta

from airflow.sdk import Param, dag

from empathy_engine.airflow_plugin.training_tasks import train_challenger


@dag(
    dag_id="empathy_weekly_train",
    schedule="@weekly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["empathy", "model"],
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    params={
        "horizon_days": Param(28, type="integer", minimum=7),
        "label": Param("inactive", enum=["inactive", "drop"]),
        "data_dir": Param("", type="string", description="Run files; default $EMPATHY_DATA_DIR"),
    },
)
def empathy_weekly_train():
    train_challenger()


empathy_weekly_train()
