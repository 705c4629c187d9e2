"""The simulate-policy table and progress bar (rich), and the share of the oracle's gain."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def oracle_share(policies: dict, name: str) -> float | None:
    """A policy's drops averted as a share of the oracle's (None without an oracle gain)."""
    oracle = policies.get("oracle", {}).get("drops_averted")
    if not oracle or oracle <= 0:
        return None
    return policies[name]["drops_averted"] / oracle


def with_progress(work: Callable, *, total: int):
    """Run ``work(progress)`` under a progress bar; ``progress(text)`` advances it one step."""
    console = Console(stderr=True)
    columns = (TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("simulating", total=total)
        return work(lambda text: bar.update(task, advance=1, description=text))


def markdown(result: dict) -> str:
    """The table as Markdown (for bench/README.md)."""
    lines = ["| world | policy | drops averted | harmful touches | opted-out touches | touches "
             "| share of oracle gain |", "|---|---|---:|---:|---:|---:|---:|"]
    for world in result["worlds"]:
        for name, row in world["policies"].items():
            share = oracle_share(world["policies"], name)
            lines.append(f"| {world['name']} | {name} | {row['drops_averted']:.1f} | "
                         f"{row['harmful_touches']} | {row['optout_touches']} | "
                         f"{row['touches']} | {'' if share is None else f'{share:.0%}'} |")
    return "\n".join(lines)


def render(result: dict, args) -> None:
    table = Table(title=f"simulate-policy: {args.contacts} contacts, {args.weeks} weeks, "
                        f"seed {args.seed} (drops averted against no_action, exact)")
    for column in ("world", "policy", "drops averted", "harmful touches", "opted-out touches",
                   "touches", "share of oracle gain"):
        table.add_column(column, justify="left" if column in ("world", "policy") else "right")
    for world in result["worlds"]:
        for i, (name, row) in enumerate(world["policies"].items()):
            share = oracle_share(world["policies"], name)
            table.add_row(world["name"] if i == 0 else "", name, f"{row['drops_averted']:.1f}",
                          str(row["harmful_touches"]), str(row["optout_touches"]),
                          str(row["touches"]), "" if share is None else f"{share:.0%}")
        table.add_section()
    Console().print(table)
