"""The nightly pipeline's stages as plain functions over files.

Each stage reads the previous stage's Parquet files from the run directory and writes its
own; the Airflow tasks, the CLI and the tests all call these same functions, passing only
paths between them.

extract -> validate_raw -> features -> score -> decide -> validate_decisions -> write_back -> report
"""
