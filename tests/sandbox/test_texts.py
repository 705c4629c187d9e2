"""Tests of the message text generator (sandbox/texts.py)."""

from __future__ import annotations

import numpy as np
import pytest

from empathy_sandbox.simulator import phrases as sim_phrases
from empathy_sandbox.simulator import texts


def test_a_few_hundred_distinct_base_sentences_expand_to_thousands():
    assert texts.base_sentence_count() >= 250
    expanded = sum(len(bank) for bank in texts.BODY_BANKS.values())
    assert expanded > 3 * sum(len(v) for v in sim_phrases.BODIES.values())
    for bank in [*texts.BODY_BANKS.values(), *texts.NOTE_BANKS.values(), *texts.CASE_BANKS]:
        assert not any("{" in s for s in bank), "every slot is filled"


def test_sarcasm_and_mixed_messages_are_in_the_banks():
    assert "Great, another week without a fix." in texts.BODY_BANKS["sarcastic"]
    assert "Love the product but support is a nightmare." in texts.BODY_BANKS["mixed"]


def test_choose_tones_follows_the_mix():
    rng = np.random.default_rng(0)
    mix = np.zeros((5, len(texts.TONES)))
    mix[:, texts.TONES.index("neutral")] = 1.0
    mix[2] = 0.0
    mix[2, texts.TONES.index("sarcastic")] = 0.5
    mix[2, texts.TONES.index("complaint")] = 0.5
    tones = texts.choose_tones(np.array([0, 2] * 2000), mix, rng)
    assert set(tones[::2]) == {texts.TONES.index("neutral")}
    frustrated = tones[1::2]
    assert set(frustrated) == {texts.TONES.index("sarcastic"), texts.TONES.index("complaint")}
    assert (frustrated == texts.TONES.index("sarcastic")).mean() == pytest.approx(0.5, abs=0.04)


def test_inbound_emails_use_the_bank_of_their_tone():
    rng = np.random.default_rng(1)
    stop = texts.TONES.index("stop")
    subjects, bodies = texts.inbound_emails(np.full(200, stop), rng)
    assert len(subjects) == len(bodies) == 200
    assert all(any(sentence in body for sentence in texts.BODY_BANKS["stop"])
               for body in bodies)
    assert not any(sentence in body for body in bodies
                   for sentence in texts.BODY_BANKS["positive"])


def test_text_is_deterministic_per_seed_and_varies_between_seeds():
    tones = np.arange(len(texts.TONES)).repeat(50)
    one = texts.inbound_emails(tones, np.random.default_rng(7))
    two = texts.inbound_emails(tones, np.random.default_rng(7))
    other = texts.inbound_emails(tones, np.random.default_rng(8))
    assert (one[1] == two[1]).all() and (one[0] == two[0]).all()
    assert (one[1] != other[1]).any()


def test_case_descriptions_follow_upset_flag():
    rng = np.random.default_rng(2)
    upset = np.array([True] * 100 + [False] * 100)
    subjects, descriptions = texts.case_texts(upset, rng)
    calm, angry = set(texts.CASE_BANKS[0]), set(texts.CASE_BANKS[1])
    assert all(d in angry for d in descriptions[:100])
    assert all(d in calm for d in descriptions[100:])
    assert all(isinstance(s, str) and s for s in subjects)


def test_rep_notes_follow_state():
    rng = np.random.default_rng(3)
    notes = texts.rep_notes(np.array([2] * 50 + [3] * 50), rng)
    assert all(n in texts.NOTE_BANKS["frustrated"] for n in notes[:50])
    assert all(n in texts.NOTE_BANKS["overwhelmed"] for n in notes[50:])


def test_action_emails_exist_for_outreach_actions():
    rng = np.random.default_rng(4)
    for action in ("support_note", "offer"):
        subjects, bodies = texts.action_emails(action, 10, rng)
        assert len(bodies) == 10 and all(bodies)
