"""Message tone: polarity plus the complaint and "too many contacts" signals CRM text carries.

A plain polarity score misses what matters most in customer messages: "still waiting for a
reply, third time I ask" is polite on the surface and a complaint underneath. The scorer
therefore combines VADER's compound polarity with two pattern layers:

- a **complaint / frustration** layer (waiting, repetition, escalation, cancelling, sarcasm
  cues) that flags the message and pulls its tone below zero;
- an **asked for fewer contacts** layer ("too many emails", "stop calling", "unsubscribe") that
  the empathy policy uses to stay silent.

Texts are deduplicated before scoring, so template-heavy CRM text is scored once per distinct
string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

#: how far a complaint pulls the tone down (after clipping the polarity at zero)
COMPLAINT_PENALTY = 0.35
#: a message whose tone is at or below this counts as a complaint when no flag is stored
COMPLAINT_TONE = -0.35

_COMPLAINT_PATTERNS = (
    r"\bstill (?:waiting|no|not|haven'?t|hasn'?t|broken|down|nothing)\b",
    r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time\b",
    r"\b(?:again|once more)\b.{0,40}\b(?:broken|fail\w*|issue|problem|wrong|down)\b",
    r"\bescalat\w*",
    r"\bcancel\w*",
    r"\bunacceptable\b",
    r"\bno (?:response|reply|answer|one (?:got back|answered|replied))\b",
    r"\bnobody (?:got back|answered|replied|responded)\b",
    r"\b(?:never|not once) (?:got|received|heard)\b",
    r"\bhaven'?t heard back\b",
    r"\b(?:refund|compensation|chargeback)\b",
    r"\b(?:frustrat\w*|disappoint\w*|fed up|sick of|tired of|annoy\w*|furious|ridiculous)\b",
    r"\b(?:waste of (?:time|money)|worst|useless|terrible|awful)\b",
    r"\b(?:complain\w*|complaint)\b",
    r"\b(?:switch(?:ing)? to|move to|moving to) (?:a )?(?:competitor|another (?:vendor|provider))\b",
    r"\bdays? (?:later|now|and)\b.{0,30}\b(?:nothing|no (?:fix|update|reply))\b",
    # sarcasm cues: praise wrapped around a failure
    r"\b(?:thanks|great|wonderful|love(?:ly)?) (?:a lot |so much )?for nothing\b",
    r"\boh (?:great|wonderful|perfect|joy)\b",
    r"\b(?:yeah|sure),? right\b",
    r"\bjust (?:great|perfect|wonderful)\b",
)

_FEWER_CONTACTS_PATTERNS = (
    r"\btoo many (?:e-?mails|messages|calls|newsletters|updates|follow-?ups)\b",
    r"\bstop (?:calling|emailing|e-mailing|contacting|messaging|sending)\b",
    r"\bunsubscrib\w*",
    r"\b(?:remove|take) me (?:from|off)\b",
    r"\b(?:swamped|overwhelmed|inundated|snowed under|buried in)\b",
    r"\b(?:less|fewer) (?:e-?mails|messages|calls|contact|outreach|follow-?ups)\b",
    r"\b(?:do not|don'?t) (?:contact|call|email|e-mail) me\b",
    r"\bgive me (?:some )?(?:space|a break)\b",
    r"\b(?:not|no) (?:a )?good time\b",
    r"\bplease (?:hold off|pause)\b",
)

_COMPLAINT = re.compile("|".join(_COMPLAINT_PATTERNS), re.IGNORECASE)
_FEWER_CONTACTS = re.compile("|".join(_FEWER_CONTACTS_PATTERNS), re.IGNORECASE)


@dataclass(frozen=True)
class ToneScores:
    """Scores for a sequence of texts, aligned with the input order.

    Attributes
    ----------
    tone : numpy.ndarray
        Float scores in [-1, 1]; NaN where the text was missing or empty.
    complaint : numpy.ndarray
        Bool, the text reads as a complaint or frustration.
    asked_fewer_contacts : numpy.ndarray
        Bool, the text asks for fewer contacts ("too many emails", "stop calling").
    """

    tone: np.ndarray
    complaint: np.ndarray
    asked_fewer_contacts: np.ndarray


@lru_cache(maxsize=1)
def _analyzer():
    """Build VADER's analyzer once: loading its lexicon costs more than scoring a text."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score_text(text: str) -> tuple[float, bool, bool]:
    """Score one text.

    Parameters
    ----------
    text : str
        A message, note or case description.

    Returns
    -------
    tone : float
        Polarity in [-1, 1], pulled down when the text reads as a complaint.
    complaint : bool
        Whether the complaint / frustration layer fired.
    asked_fewer_contacts : bool
        Whether the contact asked to be contacted less.
    """
    compound = _analyzer().polarity_scores(text)["compound"]
    complaint = _COMPLAINT.search(text) is not None
    fewer = _FEWER_CONTACTS.search(text) is not None
    tone = compound
    if complaint:
        tone = max(-1.0, min(compound, 0.0) - COMPLAINT_PENALTY)
    return tone, complaint, fewer


def score_texts(texts) -> ToneScores:
    """Score many texts, each distinct string once.

    Parameters
    ----------
    texts : array-like of str or None
        Texts to score; None, NaN and blank strings get a NaN tone and no flags.

    Returns
    -------
    ToneScores
        Arrays aligned with ``texts``.
    """
    series = pd.Series(texts, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    scored = [_score_or_blank(text) for text in uniques]
    table = np.array(scored, dtype=float).reshape(-1, 3)
    table = np.vstack([table, [np.nan, 0.0, 0.0]])  # row for missing texts (code -1)
    rows = table[codes]
    return ToneScores(
        tone=rows[:, 0],
        complaint=rows[:, 1].astype(bool),
        asked_fewer_contacts=rows[:, 2].astype(bool),
    )


def _score_or_blank(text) -> tuple[float, bool, bool]:
    if not isinstance(text, str) or not text.strip():
        return (np.nan, False, False)
    return score_text(text)
