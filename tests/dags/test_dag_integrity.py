"""The DAG folder imports cleanly and the nightly DAG has the documented shape.

Part of the unit run: parsing the DAGs needs Airflow's DagBag, not a scheduler or a database.
"""

import pytest


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory, monkeypatch_module):
    home = tmp_path_factory.mktemp("airflow")
    monkeypatch_module.setenv("AIRFLOW_HOME", str(home))
    monkeypatch_module.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder="dags")


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"empathy_nightly", "empathy_weekly_train"} <= set(dagbag.dags)


def test_nightly_dag_stages_in_order(dagbag):
    dag = dagbag.dags["empathy_nightly"]
    chain = ["extract_crm", "validate_raw", "build_features", "score_contacts",
             "decide_actions", "validate_decisions", "write_back_crm", "report_run"]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert downstream in dag.get_task(upstream).downstream_task_ids, (upstream, downstream)
    assert dag.schedule == "@daily" and dag.timetable.expression == "0 0 * * *"
    assert dag.max_active_runs == 1


def test_weekly_training_picks_the_latest_run(tmp_path):
    from datetime import date

    from empathy_engine.core.errors import ModelError
    from empathy_engine.airflow_plugin.training_tasks import latest_run

    with pytest.raises(ModelError, match="run empathy_nightly first"):
        latest_run(str(tmp_path), date(2026, 11, 1))
    for day in ("2026-10-30", "2026-10-31", "2026-11-02"):
        (tmp_path / "runs" / day).mkdir(parents=True)
        (tmp_path / "runs" / day / "activities.parquet").write_bytes(b"")
    assert latest_run(str(tmp_path), date(2026, 11, 1)) == date(2026, 10, 31)


def test_parsing_the_dags_stays_light(tmp_path):
    """The DAG processor parses dags/ often: no pandas, DuckDB or client library at parse time."""
    import os
    import subprocess
    import sys

    code = ("import sys, runpy; sys.path.insert(0, 'dags');"
            "[runpy.run_path(f'dags/{name}.py') for name in "
            "('empathy_nightly', 'empathy_weekly_train')];"
            "print(sorted(m for m in ('pandas', 'duckdb', 'simple_salesforce', 'hubspot', "
            "'great_expectations', 'sklearn') if m in sys.modules))")
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout.strip().splitlines()[-1]
    assert out == "[]"
