"""Time the contact-behaviour simulator: seeding 10,000 and 100,000 contacts with 180 days of
history, plus one truth table and a 28-day advance.

    .venv/bin/python bench/bench_simulator.py [n_contacts ...]
"""

from __future__ import annotations

import sys
import time
from datetime import date

from empathy_sandbox.simulator.generate import advance, generate, load_config, truth


def bench(n_contacts: int, days: int = 180, seed: int = 1) -> None:
    """Print how long each simulator call takes for ``n_contacts`` people."""
    config = load_config()
    started = time.perf_counter()
    world = generate(config, n_contacts=n_contacts, days=days, seed=seed)
    generated = time.perf_counter()
    truth(world, config, as_of=date(2026, 10, 1))
    scored = time.perf_counter()
    advance(world, config, days=28, actions=None)
    done = time.perf_counter()
    print(f"{n_contacts:>8,} contacts, {days} days: generate {generated - started:6.2f} s "
          f"({len(world.activities):,} activities, {len(world.cases):,} cases), "
          f"truth {scored - generated:5.2f} s, advance 28 days {done - scored:5.2f} s")


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [10_000, 100_000]:
        bench(n)
