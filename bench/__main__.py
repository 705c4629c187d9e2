"""Run every benchmark; in full mode, write the results into bench/README.md.

.venv/bin/python -m bench            # 1,000,000 contacts / 30M activities; 200,000 to train
.venv/bin/python -m bench --quick    # small sizes, prints only (EMPATHY_BENCH_QUICK=1 too)

Model quality (model vs baselines vs the simulator's oracle) runs on a 20,000-contact simulated
world (1,000 with --quick). Timings are reported beside a baseline measured in the same run (a
bare DuckDB aggregation over the same file), so a slower or busier machine shows in both.
Quick mode checks that every benchmark still runs and reports (tests/bench/); its figures are
too small to mean anything and never reach the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from bench import bench_features, bench_model_quality, bench_training

README = Path(__file__).with_name("README.md")
SIMULATOR = Path(__file__).with_name("bench_simulator.py")
DATA = Path("/tmp/empathy_bench")
#: set to 1 to run ``python -m bench`` in quick mode without the flag
QUICK_ENV = "EMPATHY_BENCH_QUICK"

#: sizes per mode: contacts scored, contacts of the scoring model, contacts trained on,
#: simulated contacts of the quality benchmark, sandbox contacts of the policy benchmark
SIZES = {
    "full": {"features": 1_000_000, "scoring_model": 20_000, "training": 200_000,
             "quality": 20_000, "policy": 5_000, "simulator": []},
    "quick": {"features": 10_000, "scoring_model": 3_000, "training": 5_000,
              "quality": 1_000, "policy": 300, "simulator": ["2000"]},
}


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
            f"{row['total_s']:.1f} s | {row['ratio']:.0f}× | "
            f"{row['features_s']:.1f} s ({row['features_s'] / row['floor_s']:.0f}×) | "
            f"{row['scoring_s']:.1f} s ({row['scoring_s'] / row['floor_s']:.0f}×) | "
            f"{row['peak_gib']:.2f} GiB |",
        ]
    )


def training_table(row: dict) -> str:
    return "\n".join(
        [
            "| contacts | activities | training rows | bare DuckDB floor | wall time | ratio | "
            "peak memory | held-out AUC (recency) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {row['contacts']:,} | {row['activities']:,} | {row['n_train']:,} | "
            f"{row['floor_s']:.2f} s | {row['seconds']:.1f} s | {row['ratio']:.0f}× | "
            f"{row['peak_gib']:.2f} GiB | {row['auc']:.3f} ({row['recency_auc']:.3f}) |",
        ]
    )


def simulator_output(sizes: list[str]) -> str:
    """Run bench_simulator.py when it exists (another team's benchmark) and keep its output."""
    if not SIMULATOR.exists():
        return "bench_simulator.py is absent."
    done = subprocess.run(
        [sys.executable, str(SIMULATOR), *sizes],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    if done.returncode:
        raise RuntimeError(f"bench_simulator.py failed:\n{done.stderr[-2000:]}")
    return "```\n" + (done.stdout + done.stderr).strip() + "\n```"


def _policy(contacts: int) -> str:
    from bench import bench_policy  # starts a sandbox CRM; imported only when it runs

    return bench_policy.run(contacts)


def benchmarks(quick: bool, data: Path = DATA) -> dict:
    """``{README section: function returning its Markdown}``, in running order."""
    size = SIZES["quick" if quick else "full"]
    return {
        "FEATURES": lambda: features_table(
            bench_features.run(size["features"], 30.0, data, train_contacts=size["scoring_model"])
        ),
        "TRAINING": lambda: training_table(bench_training.run(size["training"], data)),
        "QUALITY": lambda: bench_model_quality.quality_table(
            bench_model_quality.run(size["quality"])
        ),
        "POLICY": lambda: _policy(size["policy"]),
        "SIMULATOR": lambda: simulator_output(size["simulator"]),
    }


def run_all(quick: bool, data: Path = DATA, only=None) -> dict:
    """Run the benchmarks (``only``: a subset of section names); return
    ``{section: {"markdown": ..., "seconds": ...}}`` and print each as it finishes."""
    results = {}
    for name, function in benchmarks(quick, Path(data)).items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        markdown = function()
        results[name] = {"markdown": markdown, "seconds": time.perf_counter() - started}
        print(f"## {name} ({results[name]['seconds']:.0f} s)\n\n{markdown}\n", flush=True)
    return results


def write_readme(sections: dict) -> None:
    """Replace the text between ``<!-- NAME -->`` and ``<!-- /NAME -->`` markers."""
    text = README.read_text()
    for name, body in sections.items():
        pattern = re.compile(rf"(<!-- {name} -->\n).*?(\n<!-- /{name} -->)", re.S)
        text = pattern.sub(lambda m, b=body: m.group(1) + b + m.group(2), text)
    README.write_text(text)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes, prints only (or {QUICK_ENV}=1)")
    parser.add_argument("--data", type=Path, default=DATA, help="where generated data goes")
    parser.add_argument("--only", nargs="*", choices=list(benchmarks(True)),
                        help="run these sections only")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    results = run_all(quick, args.data, args.only)
    if quick:
        return
    stamp = f"{dt.date.today().isoformat()} on {machine()}"
    write_readme({"RUN": stamp, **{name: r["markdown"] for name, r in results.items()}})


if __name__ == "__main__":
    main()
