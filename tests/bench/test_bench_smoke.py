"""The benchmarks cannot rot: each one runs in quick mode and reports (never a timing).

The data they generate has exactly the product's canonical schemas, so a column the schema
gains (as ``complaint`` and ``asked_fewer_contacts`` once did) cannot break them again.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench import __main__ as bench_main
from bench.generate import canonical_table, generate
from empathy_engine.core.schema import ACTIVITIES, CONTACTS


def test_generated_tables_have_exactly_the_canonical_schemas(tmp_path):
    data = generate(tmp_path, 200, 5.0, chunk_contacts=80)
    activities = pq.read_table(data["activities"])
    assert activities.schema.equals(ACTIVITIES, check_metadata=False)
    assert pq.read_schema(data["contacts"]).equals(CONTACTS, check_metadata=False)
    assert activities.num_rows == data["rows"] > 0
    # unscored, as the product stores a row before the features stage scores its text
    assert activities["complaint"].null_count == activities.num_rows


def test_a_column_outside_the_schema_is_refused():
    with pytest.raises(ValueError, match="not columns of the canonical schema"):
        canonical_table({"contact_key": ["a"], "mood": [1.0]}, ACTIVITIES)
    table = canonical_table({"contact_key": ["a"]}, ACTIVITIES)
    assert table.schema == ACTIVITIES and table["tone"].type == pa.float64()


def test_quick_mode_comes_from_the_flag_or_the_environment_and_never_writes_the_readme(
    tmp_path, monkeypatch
):
    before = bench_main.README.read_text()
    monkeypatch.setenv(bench_main.QUICK_ENV, "1")
    bench_main.main(["--data", str(tmp_path), "--only", "SIMULATOR"])
    assert bench_main.README.read_text() == before


#: what each section's report must contain
REPORTS = {
    "FEATURES": "| contacts | activities | bare DuckDB floor |",
    "TRAINING": "| contacts | activities | training rows |",
    "QUALITY": "| data | n | label rate | model |",
    "POLICY": "Decision by hidden state",
    "SIMULATOR": "contacts, 180 days: generate",
}


def test_every_benchmark_has_a_smoke_check():
    assert set(REPORTS) == set(bench_main.benchmarks(quick=True))


@pytest.mark.integration
@pytest.mark.parametrize("section", list(REPORTS))
def test_each_benchmark_runs_in_quick_mode_and_reports(section, tmp_path):
    results = bench_main.run_all(quick=True, data=tmp_path, only=[section])
    markdown = results[section]["markdown"]
    assert REPORTS[section] in markdown
