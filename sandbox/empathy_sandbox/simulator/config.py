"""Parameters of the contact-behaviour simulator, read from ``simulator.toml``.

``load_config`` merges overrides into the TOML defaults and validates the result early, with
messages that say which key is wrong and how to fix it; ``SimConfig`` holds the parameters
as numpy arrays in the shapes the vectorised simulation uses.

A *world file* (``read_overlay``) is a TOML holding any subset of ``simulator.toml``'s
sections and keys; ``load_config(overlays=[...])`` merges it over the defaults, and
``use_overlays`` makes it the process default (the server's ``--sim-config``).
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from empathy_sandbox.simulator.world import STATES

DEFAULT_PATH = Path(__file__).with_name("simulator.toml")
ACTIONS = ("silence", "support_note", "offer")
INBOUND_CHANNELS = ("email_in", "call_in", "meeting", "purchase", "case_open")
OUTBOUND_CHANNELS = ("email_out", "call_out", "note")


@dataclass(frozen=True)
class SimConfig:
    """Validated simulator parameters; ``raw`` keeps the merged TOML tables."""

    raw: dict
    initial: np.ndarray  # (5,) state shares
    transitions: np.ndarray  # (5, 5) weekly, row = from
    inbound: np.ndarray  # (channels, 5) weekly Poisson rates
    outbound: np.ndarray  # (channels, 5)
    effects: np.ndarray  # (actions, 5 states at action time, 5 next states) multipliers
    tone_mix: np.ndarray  # (5, tones)
    weekday_weights: np.ndarray  # (7,), mean 1

    def section(self, name: str) -> dict:
        """One TOML table, e.g. ``config.section("cases")``."""
        return self.raw[name]

    @property
    def horizon_days(self) -> int:
        return int(self.raw["truth"]["horizon_days"])


#: World files merged over the defaults by every ``load_config()`` in this process.
_PROCESS_OVERLAYS: list[dict] = []


def read_overlay(path: str | Path) -> dict:
    """A world file's tables, checked against the defaults' sections and keys."""
    try:
        with open(path, "rb") as fh:
            overlay = tomllib.load(fh)
    except OSError as exc:
        raise ValueError(f"cannot read simulator config {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"simulator config {path} is not valid TOML: {exc}") from exc
    with open(DEFAULT_PATH, "rb") as fh:
        _check_known(tomllib.load(fh), overlay, str(path), "")
    return overlay


def _check_known(default: dict, overlay: dict, path: str, prefix: str) -> None:
    """Every key of ``overlay`` must exist in ``default`` (a typo must not pass silently)."""
    for key, value in overlay.items():
        name = f"{prefix}{key}"
        if key not in default:
            known = ", ".join(sorted(default))
            raise ValueError(f"{path}: unknown simulator key [{name}]; known here: {known}")
        if isinstance(value, dict) and isinstance(default[key], dict):
            _check_known(default[key], value, path, f"{name}.")


def use_overlays(paths) -> None:
    """Merge these world files over the defaults in every later ``load_config()``."""
    _PROCESS_OVERLAYS[:] = [read_overlay(p) for p in paths]
    if _PROCESS_OVERLAYS:
        load_config()  # fail now, not on the first request, if the merged world is invalid


def load_config(path: str | None = None, *, overlays=None, **overrides) -> SimConfig:
    """Read simulator parameters from ``path`` (default: ``sandbox/simulator.toml``).

    ``overlays`` are world-file tables (``read_overlay``) merged in order over the file;
    by default those set with ``use_overlays``. Each override is then a section name (its
    table is merged), ``section__key``, or a key that exists in exactly one section, e.g.
    ``load_config(opt_out_share=0.2)``.
    """
    with open(path or DEFAULT_PATH, "rb") as fh:
        raw = tomllib.load(fh)
    for overlay in _PROCESS_OVERLAYS if overlays is None else overlays:
        raw = _merge(raw, overlay)
    for key, value in overrides.items():
        _apply_override(raw, key, value)
    return _build(raw)


def _apply_override(raw: dict, key: str, value) -> None:
    """Set one override in the raw tables, or say which keys exist."""
    if key in raw and isinstance(raw[key], dict) and isinstance(value, dict):
        raw[key] = _merge(raw[key], value)
        return
    if "__" in key:
        *sections, leaf = key.split("__")
        table = raw
        for name in sections:
            if name not in table:
                raise ValueError(f"Unknown simulator config section {name!r} in override {key!r}")
            table = table[name]
        table[leaf] = value
        return
    owners = [table for table in _tables(raw) if key in table]
    if len(owners) != 1:
        where = "no section" if not owners else f"{len(owners)} sections"
        raise ValueError(
            f"Simulator override {key!r} matches {where}; use 'section__key', "
            f"e.g. population__opt_out_share=0.1"
        )
    owners[0][key] = value


def _tables(raw: dict):
    """Every nested table of the config."""
    for value in raw.values():
        if isinstance(value, dict):
            yield value
            yield from _tables(value)


def _merge(base: dict, new: dict) -> dict:
    """Deep merge of ``new`` into a copy of ``base``."""
    out = copy.deepcopy(base)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _per_state(table: dict, name: str, default: float | None = None) -> np.ndarray:
    """Rows of a per-state table as a (5, k) array, in ``STATES`` order."""
    rows = []
    for state in STATES:
        if state not in table and default is None:
            raise ValueError(f"[{name}] needs a row for state {state!r}")
        rows.append(table.get(state, default))
    return np.array(rows, dtype=float)


def _effects(actions: dict) -> np.ndarray:
    """(actions, 5, 5) multipliers; silence and missing states are all ones."""
    out = np.ones((len(ACTIONS), len(STATES), len(STATES)))
    for a, action in enumerate(ACTIONS):
        for s, state in enumerate(STATES):
            if action != "silence" and state in actions.get(action, {}):
                out[a, s] = actions[action][state]
    return out


def _check_rows(name: str, matrix: np.ndarray) -> None:
    """Probability rows must be non-negative and add up to 1."""
    sums = matrix.sum(axis=1)
    if (matrix < 0).any() or not np.allclose(sums, 1.0, atol=1e-6):
        raise ValueError(f"Rows of [{name}] must be non-negative and add up to 1; sums: {sums}")


def _build(raw: dict) -> SimConfig:
    """Turn the merged TOML tables into a validated ``SimConfig``."""
    pop = raw["population"]
    shares = pop["share_salesforce_only"] + pop["share_hubspot_only"] + pop["share_both"]
    if not np.isclose(shares, 1.0):
        raise ValueError(f"[population] CRM shares add up to {shares}, expected 1")
    transitions = _per_state(raw["states"]["transitions"], "states.transitions")
    _check_rows("states.transitions", transitions)
    tone_mix = _per_state(raw["text"]["tone_mix"], "text.tone_mix")
    _check_rows("text.tone_mix", tone_mix)
    initial = np.array(raw["states"]["initial"], dtype=float)
    _check_rows("states.initial", initial[None, :])
    weekday = np.array(raw["seasonality"]["weekday_weights"], dtype=float)
    if weekday.shape != (7,):
        raise ValueError("[seasonality] weekday_weights needs 7 values, Monday first")
    rates = raw["rates"]
    return SimConfig(
        raw=raw,
        initial=initial,
        transitions=transitions,
        inbound=np.array([rates["inbound"][c] for c in INBOUND_CHANNELS], dtype=float),
        outbound=np.array([rates["outbound"][c] for c in OUTBOUND_CHANNELS], dtype=float),
        effects=_effects(raw["actions"]),
        tone_mix=tone_mix,
        weekday_weights=weekday * 7 / weekday.sum(),
    )
