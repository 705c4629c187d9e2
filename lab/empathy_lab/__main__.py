"""``python -m empathy_lab simulate-policy ...`` (what ``empathy simulate-policy`` runs)."""

from __future__ import annotations

import sys

COMMANDS = ("simulate-policy",)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m empathy_lab {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    from empathy_lab.simulate_policy import main as simulate_policy

    return simulate_policy(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
