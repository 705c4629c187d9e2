"""Empathy Engine, nightly: one empathy-aware next action per at-risk contact.

extract (per CRM) → validate raw data → features → score → decide → validate decisions →
write back (per CRM) → report. A failed quality gate stops the run before anything is
written; write-back upserts by a stable action key, so a retry or re-run never duplicates.
"""

from datetime import datetime, timedelta

from airflow.sdk import Param, dag

from empathy_engine.airflow_plugin.tasks import (
    build_features,
    decide_actions,
    extract_crm,
    report_run,
    score_contacts,
    validate_decisions,
    validate_raw,
    write_back_crm,
)
from empathy_engine.core.crms import SOURCES

CRMS = list(SOURCES)


@dag(
    dag_id="empathy_nightly",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["empathy", "crm"],
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "dry_run": Param(False, type="boolean", description="Decide, but write nothing"),
        "risk_threshold": Param(0.5, type="number", minimum=0.01, maximum=0.99),
        "horizon_days": Param(28, type="integer", minimum=7),
        "label": Param("inactive", enum=["inactive", "drop"]),
        "holdout_share": Param(0.0, type="number", minimum=0, maximum=0.5),
        "keep_text": Param(False, type="boolean", description="Keep message text after scoring"),
        "full_refresh": Param(False, type="boolean",
                              description="Ignore the extract bookmarks; pull every CRM in full"),
        "data_dir": Param("", type="string", description="Run files; default $EMPATHY_DATA_DIR"),
    },
)
def empathy_nightly():
    extracted = extract_crm.expand(crm=CRMS)
    crms = validate_raw(extracted)
    feats = build_features(crms)
    scores = score_contacts(feats)
    decisions = decide_actions(scores, crms)
    gate = validate_decisions(decisions)
    written = write_back_crm.partial(_gate=gate).expand(crm=CRMS)
    report_run(extracted, feats, scores, decisions, written)


empathy_nightly()
