"""Tone scoring: complaint and fatigue layers, and agreement with human ratings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from empathy_engine.models.tone import score_text, score_texts

SENTIMENT = Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment"
#: measured 0.867 (tweets) and 0.587 (Amazon snippets); published VADER: 0.881 and 0.565
FLOORS = {"tweets_GroundTruth.txt": 0.85, "amazonReviewSnippets_GroundTruth.txt": 0.56}


@pytest.mark.parametrize(
    "text",
    [
        "Still waiting for a reply, this is the third time I ask.",
        "Thanks for nothing.",
        "Please escalate this, it is unacceptable.",
        "We will cancel the contract if this is not fixed.",
        "No response from your team since Monday.",
    ],
)
def test_complaints_are_flagged_and_negative(text):
    tone, complaint, _ = score_text(text)
    assert complaint
    assert tone < 0


@pytest.mark.parametrize(
    "text",
    [
        "Too many emails this week.",
        "Please stop calling me.",
        "Unsubscribe me",
        "I'm swamped right now, let's talk next quarter.",
    ],
)
def test_asking_for_fewer_contacts_is_detected(text):
    assert score_text(text)[2]


def test_praise_is_positive_and_not_a_complaint():
    tone, complaint, fewer = score_text("Thanks, the new dashboard is great!")
    assert tone > 0.5 and not complaint and not fewer


def test_missing_and_blank_texts_score_nan_without_flags():
    scores = score_texts([None, "", "   ", np.nan, "Great"])
    assert np.isnan(scores.tone[:4]).all()
    assert not scores.complaint.any()
    assert scores.tone[4] > 0


def test_duplicate_texts_get_identical_scores():
    scores = score_texts(["Still waiting.", "Fine", "Still waiting."])
    assert scores.tone[0] == scores.tone[2]


@pytest.mark.skipif(not SENTIMENT.exists(), reason=f"human-rated data absent at {SENTIMENT}")
@pytest.mark.parametrize("filename", sorted(FLOORS))
def test_tone_correlates_with_human_ratings(filename):
    rated = pd.read_csv(
        SENTIMENT / filename, sep="\t", header=None, quoting=3, names=["id", "rating", "text"]
    )
    r = np.corrcoef(score_texts(rated["text"]).tone, rated["rating"])[0, 1]
    assert r >= FLOORS[filename], f"Pearson r {r:.3f} on {filename}"
