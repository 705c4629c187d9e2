"""Message text for the simulated CRM: inbound e-mails, case descriptions and rep notes.

The tone of a message follows the sender's hidden state, but loosely: every state writes plain
business text most of the time, frustrated people are often polite or sarcastic rather than
angry, engaged people complain now and then, and overwhelmed people thank you while asking you
to stop. That is what keeps keyword matching from solving the problem.

Text is built by vectorised indexing into banks of sentences. Each bank is expanded once at
import from a few hundred base sentences with ``{slots}``; a message is then
``opener + body + closer`` picked with numpy, so a million messages cost one pass of array
additions rather than a million ``str.format`` calls. All randomness comes from the caller's
``numpy.random.Generator``, so the text is deterministic per seed.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from empathy_sandbox.simulator import phrases as P
from empathy_sandbox.simulator.phrases import CASE_ISSUES, SLOTS, TONES
from empathy_sandbox.simulator.world import STATES

__all__ = ["TONES", "action_emails", "case_texts", "choose_tones", "inbound_emails",
           "outbound_emails", "pick", "rep_notes"]


def _expand(template: str, limit: int, rng: np.random.Generator) -> list[str]:
    """All slot fillings of one template (a deterministic sample of ``limit`` if more)."""
    names = re.findall(r"{(\w+)}", template)
    if not names:
        return [template]
    combos = list(itertools.product(*(SLOTS[name] for name in names)))
    if len(combos) > limit:
        picked = rng.choice(len(combos), size=limit, replace=False)
        combos = [combos[i] for i in sorted(picked)]
    return [template.format(**dict(zip(names, combo, strict=True))) for combo in combos]


def _bank(templates: list[str], limit: int = 8) -> np.ndarray:
    """Expand templates into one object array; the fixed seed keeps banks identical per run."""
    rng = np.random.default_rng(20261101)
    out = [s for t in templates for s in _expand(t, limit, rng)]
    return np.array(out, dtype=object)


BODY_BANKS = {tone: _bank(P.BODIES[tone]) for tone in TONES}
OPENER_BANKS = {k: np.array([o + " " if o else "" for o in v], dtype=object)
                for k, v in P.OPENERS.items()}
CLOSER_BANKS = {k: np.array([" " + c if c else "" for c in v], dtype=object)
                for k, v in P.CLOSERS.items()}
SUBJECT_BANKS = {k: _bank(v, 3) for k, v in P.SUBJECTS.items()}
CASE_SUBJECT_BANKS = [np.array(P.CASE_SUBJECTS[i], dtype=object) for i in CASE_ISSUES]
CASE_BANKS = (_bank(P.CASE_CALM), _bank(P.CASE_UPSET))
NOTE_BANKS = {state: _bank(v, 4) for state, v in P.NOTES.items()}
OUTBOUND_BANK = _bank(P.OUTBOUND, 4)
FILLER_BANK = _bank(P.FILLERS, 4)
OUTBOUND_SUBJECT_BANK = np.array(P.OUTBOUND_SUBJECTS, dtype=object)
CALL_IN_SUBJECTS = np.array(P.CALL_IN_SUBJECTS, dtype=object)
CALL_OUT_SUBJECTS = np.array(P.CALL_OUT_SUBJECTS, dtype=object)
MEETING_SUBJECTS = np.array(P.MEETING_SUBJECTS, dtype=object)
PURCHASE_SUBJECTS = np.array(P.PURCHASE_SUBJECTS, dtype=object)
ACTION_SUBJECTS = {k: np.array(v, dtype=object) for k, v in P.ACTION_SUBJECTS.items()}
ACTION_BANKS = {action: _bank(v, 4) for action, v in P.ACTION_EMAILS.items()}
_FRAME_KEYS = tuple(P.OPENERS)
_TONE_FRAME_CODE = np.array([_FRAME_KEYS.index(P.TONE_FRAME[t]) for t in TONES])


def base_sentence_count() -> int:
    """How many distinct base sentences (before slot filling) the banks are built from."""
    groups = [*P.BODIES.values(), P.CASE_CALM, P.CASE_UPSET, *P.NOTES.values(), P.OUTBOUND]
    return len({s for group in groups for s in group})


def _pick(bank: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uniform picks from a bank, as an object array."""
    return bank[rng.integers(0, len(bank), size=n)]


def _by_group(groups: np.ndarray, banks: dict, keys, rng: np.random.Generator) -> np.ndarray:
    """Pick from ``banks[keys[g]]`` for every row of integer group codes ``groups``."""
    out = np.empty(len(groups), dtype=object)
    for code, key in enumerate(keys):
        mask = groups == code
        if mask.any():
            out[mask] = _pick(banks[key], rng, int(mask.sum()))
    return out


def choose_tones(states: np.ndarray, tone_mix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a tone code per message from the row of ``tone_mix`` for its sender's state code."""
    cum = np.cumsum(tone_mix, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(states))
    return (u[:, None] > cum[states]).sum(axis=1)


def inbound_emails(tones: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Subjects and bodies of inbound e-mails, one per tone code."""
    frame_codes = _TONE_FRAME_CODE[tones]
    frame_keys = _FRAME_KEYS
    bodies = _by_group(tones, BODY_BANKS, TONES, rng)
    # Longer e-mails: a second sentence of the same tone, or a mood-free filler.
    u = rng.random(len(tones))
    second = u < 0.3
    bodies[second] += " " + _by_group(tones[second], BODY_BANKS, TONES, rng)
    filler = (u >= 0.3) & (u < 0.55)
    bodies[filler] += " " + _pick(FILLER_BANK, rng, int(filler.sum()))
    text = (_by_group(frame_codes, OPENER_BANKS, frame_keys, rng) + bodies
            + _by_group(frame_codes, CLOSER_BANKS, frame_keys, rng))
    subjects = _by_group(frame_codes, SUBJECT_BANKS, frame_keys, rng)
    return subjects, text


def outbound_emails(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Subjects and bodies of reps' routine outreach (independent of the contact's state)."""
    return _pick(OUTBOUND_SUBJECT_BANK, rng, n), _pick(OUTBOUND_BANK, rng, n)


def rep_notes(states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Owner's notes whose impression follows the contact's state code."""
    return _by_group(states, NOTE_BANKS, STATES, rng)


def case_texts(upset: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Case subjects (by a random issue) and descriptions, calm or upset per row."""
    issues = rng.integers(0, len(CASE_ISSUES), size=len(upset))
    subjects = _by_group(issues, dict(enumerate(CASE_SUBJECT_BANKS)),
                         range(len(CASE_ISSUES)), rng)
    descriptions = _by_group(upset.astype(int), dict(enumerate(CASE_BANKS)), (0, 1), rng)
    return subjects, descriptions



def action_emails(action: str, n: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Subjects and bodies of the e-mails by which a rep carries out an action task."""
    return _pick(ACTION_SUBJECTS[action], rng, n), _pick(ACTION_BANKS[action], rng, n)


def pick(bank: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform picks from a bank (e.g. ``MEETING_SUBJECTS``)."""
    return _pick(bank, rng, n)
