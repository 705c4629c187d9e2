"""``empathy``: run the parts of Empathy Engine on their own.

    empathy demo                 sandbox CRM + the nightly DAG through real Airflow, once
    empathy sandbox serve ...    the local sandbox CRM (Salesforce + HubSpot stand-in)
    empathy run ...              the whole pipeline in one process, without Airflow
    empathy train ...            train (and maybe promote) a model on a run's history
    empathy evaluate ...         backtest the model on any activity export
    empathy outcomes ...         uplift of each action against the randomized hold-out
    empathy airflow-env ...      print AIRFLOW_CONN_* exports pointing at a running sandbox
    empathy simulate-policy ...  the policy and baselines against the simulator's exact truth
    empathy evaluate-uplift ...  cross-fitted uplift and Qini on a randomized-experiment export
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date
from pathlib import Path

from empathy_engine.core.config import PipelineConfig, RunPaths
from empathy_engine.core.crms import SOURCES
from empathy_engine.core.errors import EmpathyError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


def _sandbox_date(info: dict) -> date:
    now = info.get("now")
    return date.fromisoformat(now[:10]) if now else date.today()


def cmd_sandbox(args: argparse.Namespace, rest: list[str]) -> int:
    import subprocess

    from empathy_engine.sandbox_process import sandbox_command

    return subprocess.call(sandbox_command(args.action, *rest))


def cmd_run(args: argparse.Namespace) -> int:
    from empathy_engine.access import from_sandbox_info
    from empathy_engine.pipeline import run_pipeline
    from empathy_engine.stages.report import render_markdown

    info = json.loads(Path(args.sandbox_info).read_text())
    config = PipelineConfig(data_dir=args.data_dir, dry_run=args.dry_run,
                            risk_threshold=args.risk_threshold, keep_text=args.keep_text,
                            full_refresh=args.full_refresh, holdout_share=args.holdout_share,
                            sources=tuple(args.crm))
    run_date = args.date or _sandbox_date(info)
    crms = from_sandbox_info(info, config.sources, config.task_ledger_url)
    report = run_pipeline(config, run_date, crms)
    print(render_markdown(report))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from empathy_engine.stages.train import train

    config = PipelineConfig(data_dir=args.data_dir, horizon_days=args.horizon_days,
                            label=args.label)
    metadata = train(RunPaths.of(config, args.date), config, force=True)
    print(json.dumps(metadata, indent=2, default=str))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from empathy_engine.models.evaluate import (
        evaluate,
        format_evaluation,
        load_activities,
        load_contacts,
    )

    activities = load_activities(args.activities)
    contacts = load_contacts(args.contacts) if args.contacts else None
    result = evaluate(activities, contacts, cutoff=args.cutoff, horizon_days=args.horizon_days,
                      label=args.label)
    print(json.dumps(result, indent=2, default=str) if args.json else format_evaluation(result))
    return 0


def cmd_outcomes(args: argparse.Namespace) -> int:
    from empathy_engine.stages.outcomes import measure

    config = PipelineConfig(data_dir=args.data_dir, risk_threshold=args.risk_threshold)
    result = measure(config, args.decided, args.observed)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return 0
    print(f"Decisions of {result['decided_on']}, seen on {result['observed_on']}: share of "
          "contacts who engaged again, treated vs randomized hold-out")
    for row in result["uplift"]:
        print(f"  {row['action']:<13} treated {row['engaged_treated']:.1%} (n={row['n_treated']})"
              f"  hold-out {row['engaged_holdout']:.1%} (n={row['n_holdout']})  uplift "
              f"{row['uplift']:+.1%} [95% CI {row['ci_low']:+.1%}, {row['ci_high']:+.1%}]")
    return 0


def cmd_simulate_policy(args: argparse.Namespace, rest: list[str]) -> int:
    """Run ``python -m empathy_lab simulate-policy``: the lab imports the product and the
    simulator, which never import each other (docs/architecture.md)."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("empathy_lab") is None:
        raise EmpathyError("simulate-policy needs the lab, a separate package (lab/ in the "
                           "repository) beside the sandbox; install both with `pip install "
                           "-e ./sandbox -e ./lab` (`make test` and `make demo` do this)")
    return subprocess.call([sys.executable, "-m", "empathy_lab", "simulate-policy", *rest])


def cmd_evaluate_uplift(args: argparse.Namespace) -> int:
    import pandas as pd

    from empathy_engine.core.errors import ConfigError
    from empathy_engine.models.uplift import evaluate_uplift

    path = Path(args.data)
    try:
        data = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read --data {path}: {exc}") from exc
    for column in (args.treatment, args.outcome):
        if column not in data.columns:
            raise ConfigError(f"--data {path} has no column {column!r}; columns: "
                              f"{', '.join(map(str, data.columns))}")
    report, scores = evaluate_uplift(data, treatment=args.treatment, treated_value=args.treated,
                                     outcome=args.outcome, folds=args.folds)
    if args.predictions:
        scores.to_csv(args.predictions, index=False)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{report['rows']} rows, {report['treated_share']:.0%} treated")
    for name in ("model", "risk", "random"):
        print(f"  {name:<7} Qini {report[name]['qini']:+.4f}  uplift@30% "
              f"{report[name]['uplift_at_30']:+.3f}")
    return 0


def cmd_airflow_env(args: argparse.Namespace) -> int:
    from empathy_engine.access import airflow_connection_env

    info = json.loads(Path(args.sandbox_info).read_text())
    for name, value in airflow_connection_env(info).items():
        print(f"export {name}='{value}'")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from empathy_engine.demo import run_demo

    return run_demo(contacts=args.contacts, seed=args.seed, days=args.days, reset=args.reset)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="empathy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="start the sandbox CRM and run the nightly DAG once "
                                       "through real Airflow (airflow dags test)")
    demo.add_argument("--contacts", type=int, default=3000, help="simulated people (default 3000)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--days", type=int, default=180, help="days of simulated history")
    demo.add_argument("--reset", action="store_true", help="reseed the sandbox first")
    demo.set_defaults(func=cmd_demo)

    sandbox = sub.add_parser("sandbox", help="the local sandbox CRM; `empathy sandbox serve "
                                             "--help` lists its options", add_help=False)
    sandbox.add_argument("action", choices=["serve"], help="serve: start the sandbox CRM")
    sandbox.set_defaults(func=cmd_sandbox, passthrough=True)

    run = sub.add_parser("run", help="run the whole pipeline once, without Airflow")
    run.add_argument("--sandbox-info", required=True,
                     help="info file written by `empathy sandbox serve --info-file`")
    run.add_argument("--date", type=_date, help="run date (default: the sandbox's today)")
    run.add_argument("--data-dir", default=PipelineConfig().data_dir)
    run.add_argument("--crm", action="append", choices=list(SOURCES),
                     default=None, help="only this CRM (repeatable; default both)")
    run.add_argument("--dry-run", action="store_true", help="decide, but write nothing")
    run.add_argument("--keep-text", action="store_true", help="keep message text after scoring")
    run.add_argument("--risk-threshold", type=float, default=0.5)
    run.add_argument("--holdout-share", type=float, default=0.0,
                     help="randomized share of would-be outreach left alone to measure uplift")
    run.add_argument("--full-refresh", action="store_true",
                     help="ignore the extract bookmarks: pull every CRM in full")
    run.set_defaults(func=cmd_run)

    train = sub.add_parser("train", help="train a model on a run's extracted history and "
                                         "promote it if it is not worse than the champion")
    train.add_argument("--date", type=_date, required=True, help="the run whose files to use")
    train.add_argument("--data-dir", default=PipelineConfig().data_dir)
    train.add_argument("--horizon-days", type=int, default=28)
    train.add_argument("--label", choices=["inactive", "drop"], default="inactive")
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("evaluate", help="train strictly before a cutoff on any activity "
                                               "export and compare with baselines")
    evaluate.add_argument("--activities", required=True, help="CSV or Parquet activity log")
    evaluate.add_argument("--contacts", help="optional CSV or Parquet contacts file")
    evaluate.add_argument("--cutoff", type=_date, required=True)
    evaluate.add_argument("--horizon-days", type=int, default=28)
    evaluate.add_argument("--label", choices=["inactive", "drop"], default="inactive")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.set_defaults(func=cmd_evaluate)

    outcomes = sub.add_parser("outcomes", help="uplift of each action against the randomized "
                                               "hold-out, from two runs' files")
    outcomes.add_argument("--decided", type=_date, required=True,
                          help="the run that decided (run it with a holdout share > 0)")
    outcomes.add_argument("--observed", type=_date, required=True,
                          help="a later run whose pull shows what happened")
    outcomes.add_argument("--data-dir", default=PipelineConfig().data_dir)
    outcomes.add_argument("--risk-threshold", type=float, default=0.5,
                          help="the deciding run's threshold")
    outcomes.add_argument("--json", action="store_true")
    outcomes.set_defaults(func=cmd_outcomes)

    simulate = sub.add_parser(
        "simulate-policy", add_help=False,
        help="run the policy and baselines forward in simulated worlds, scored with exact "
             "counterfactuals: --contacts N --weeks W --seed S [--config FILE]... [--json] "
             "(`empathy simulate-policy --help` lists the options)")
    simulate.set_defaults(func=cmd_simulate_policy, passthrough=True)

    uplift = sub.add_parser("evaluate-uplift", help="cross-fitted uplift scores and Qini on "
                                                    "any randomized-experiment export")
    uplift.add_argument("--data", required=True, help="CSV or Parquet, one row per person")
    uplift.add_argument("--treatment", required=True, help="the assignment column")
    uplift.add_argument("--treated", required=True, help="the value that means treated")
    uplift.add_argument("--outcome", required=True, help="the outcome column (1 = happened)")
    uplift.add_argument("--predictions", help="write row,uplift to this CSV")
    uplift.add_argument("--folds", type=int, default=5)
    uplift.add_argument("--json", action="store_true")
    uplift.set_defaults(func=cmd_evaluate_uplift)

    env = sub.add_parser("airflow-env", help="print AIRFLOW_CONN_* exports for a sandbox")
    env.add_argument("--sandbox-info", required=True)
    env.set_defaults(func=cmd_airflow_env)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if rest and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if getattr(args, "crm", None) is None and args.command == "run":
        args.crm = list(SOURCES)
    try:
        return args.func(args, rest) if getattr(args, "passthrough", False) else args.func(args)
    except EmpathyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
