"""Run every benchmark and write the results into bench/README.md.

.venv/bin/python -m bench            # 1,000,000 contacts / 30M activities; 200,000 to train
.venv/bin/python -m bench --quick    # 20,000 / 600k; 10,000 to train (a minute)

Model quality (model vs baselines vs the simulator's oracle) runs on a 20,000-contact simulated
world (2,000 with --quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from bench import bench_features, bench_model_quality, bench_policy, bench_training

README = Path(__file__).with_name("README.md")
SIMULATOR = Path(__file__).with_name("bench_simulator.py")


def machine() -> str:
    """CPU model, core count, memory and Python version of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}"
    )


def features_table(row: dict) -> str:
    return "\n".join(
        [
            "| contacts | activities | bare DuckDB floor | features + scoring | ratio | "
            "of which features | of which scoring | peak memory |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {row['contacts']:,} | {row['activities']:,} | {row['floor_s']:.2f} s | "
            f"{row['total_s']:.1f} s | {row['ratio']:.0f}× | {row['features_s']:.1f} s | "
            f"{row['scoring_s']:.1f} s | {row['peak_gib']:.2f} GiB |",
        ]
    )


def training_table(row: dict) -> str:
    return "\n".join(
        [
            "| contacts | activities | training rows | wall time | peak memory | held-out AUC "
            "(recency) |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {row['contacts']:,} | {row['activities']:,} | {row['n_train']:,} | "
            f"{row['seconds']:.1f} s | {row['peak_gib']:.2f} GiB | {row['auc']:.3f} "
            f"({row['recency_auc']:.3f}) |",
        ]
    )


def simulator_output(quick: bool) -> str:
    """Run bench_simulator.py when it exists (another team's benchmark) and keep its output."""
    if not SIMULATOR.exists():
        return "bench_simulator.py is absent."
    sizes = ["2000"] if quick else []
    done = subprocess.run(
        [sys.executable, str(SIMULATOR), *sizes],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    return "```\n" + (done.stdout + done.stderr).strip() + "\n```"


def write_readme(sections: dict) -> None:
    """Replace the text between ``<!-- NAME -->`` and ``<!-- /NAME -->`` markers."""
    text = README.read_text()
    for name, body in sections.items():
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(\n<!-- /{name} -->)", re.S)
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(2), text)
    README.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    args = parser.parse_args(argv)
    scoring_n, training_n = (20_000, 10_000) if args.quick else (1_000_000, 200_000)
    features = bench_features.run(scoring_n, 30.0)
    print(features_table(features), flush=True)
    training = bench_training.run(training_n)
    print(training_table(training), flush=True)
    quality = bench_model_quality.quality_table(
        bench_model_quality.run(2_000 if args.quick else 20_000)
    )
    print(quality, flush=True)
    policy = bench_policy.run(1_000 if args.quick else 5_000)
    print(policy, flush=True)
    simulator = simulator_output(args.quick)
    print(simulator)
    stamp = f"{dt.date.today().isoformat()} on {machine()}" + (" (--quick)" if args.quick else "")
    write_readme(
        {
            "RUN": stamp,
            "FEATURES": features_table(features),
            "TRAINING": training_table(training),
            "QUALITY": quality,
            "POLICY": policy,
            "SIMULATOR": simulator,
        }
    )


if __name__ == "__main__":
    main()
