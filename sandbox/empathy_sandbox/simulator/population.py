"""Who is in the simulated CRM: owners (reps), accounts and people, plus each person's hidden
traits (how flaky, how talkative, how hard their owner pushes them).

Everything is drawn with numpy from one generator, so a seed gives the same population.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from empathy_sandbox.simulator.config import SimConfig

FIRST_NAMES = np.array([
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Maria", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Dmitri",
    "Emma", "Felix", "Gina", "Hannah", "Ivan", "Julia", "Kenji", "Lea", "Mateo", "Nina",
    "Oscar", "Priya", "Rafael", "Sofia", "Tom", "Uma", "Victor", "Yara", "Amir", "Beatriz",
    "Colin", "Daria", "Ethan", "Fatima", "Georg", "Helena", "Isaac", "Jana", "Karim", "Lucia",
], dtype=object)
LAST_NAMES = np.array([
    "Smith", "Muller", "Garcia", "Rossi", "Kowalski", "Nguyen", "Tanaka", "Silva", "Jensen",
    "Dubois", "Okafor", "Novak", "Khan", "Larsen", "Costa", "Schmidt", "Ivanova", "Martin",
    "Lopez", "Fischer", "Brown", "Wilson", "Moreau", "Bauer", "Kim", "Chen", "Patel", "Singh",
    "Haddad", "Berg", "Weber", "Romano", "Nielsen", "Popescu", "Horvat", "Sato", "Alves",
    "Meyer", "Ortiz", "Walsh", "Murphy", "Kaya", "Yilmaz", "Dvorak", "Lindqvist", "Hughes",
    "Fernandez", "Ricci", "Petrov", "Mendes", "Bianchi", "Janssen", "Peeters", "Vogel",
    "Keller", "Sousa", "Ward", "Price", "Reyes", "Castro",
], dtype=object)
_NAME_A = np.array([
    "North", "Blue", "Silver", "Bright", "Green", "Iron", "Summit", "Harbor", "Pine", "Cedar",
    "Red", "Golden", "Clear", "Swift", "Stone", "River", "Oak", "Polar", "Sun", "Crystal",
], dtype=object)
_NAME_B = np.array([
    "wind", "field", "bridge", "gate", "point", "path", "line", "wave", "peak", "works",
    "light", "brook", "forge", "stack", "port", "view", "leaf", "craft", "mark", "spring",
], dtype=object)
_NAME_C = np.array([
    "Systems", "Retail", "Health", "Industries", "Capital", "Learning", "Logistics", "Media",
    "Labs", "Group", "Partners", "Solutions",
], dtype=object)


def lognormal(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """Multipliers with median 1, so sigma=0 switches heterogeneity off."""
    return np.exp(rng.normal(0.0, sigma, n)) if sigma > 0 else np.ones(n)


def _unique_emails(local: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """``local@domain`` in lower case, with a number appended to repeated addresses."""
    base = pd.Series(local + "@" + domain).str.lower()
    dup = base.groupby(base).cumcount().to_numpy()
    local = pd.Series(local).str.lower().to_numpy(dtype=object)
    suffix = np.where(dup > 0, dup.astype(str).astype(object), "")
    return local + suffix + "@" + pd.Series(domain).str.lower().to_numpy(dtype=object)


def make_owners(n_contacts: int, config: SimConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Sales and support reps; one per ``contacts_per_owner`` people, at least three."""
    n = max(3, int(np.ceil(n_contacts / config.section("population")["contacts_per_owner"])))
    first = FIRST_NAMES[rng.integers(0, len(FIRST_NAMES), n)]
    last = LAST_NAMES[rng.integers(0, len(LAST_NAMES), n)]
    email = _unique_emails(first + "." + last, np.full(n, "empathy-sandbox.example", dtype=object))
    return pd.DataFrame({"id": np.arange(1, n + 1), "email": email,
                         "first_name": first, "last_name": last})


def _account_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct company names; a number is appended once the word combinations run out."""
    combos = len(_NAME_A) * len(_NAME_B) * len(_NAME_C)
    order = rng.permutation(combos)[np.arange(n) % combos]
    a, rest = np.divmod(order, len(_NAME_B) * len(_NAME_C))
    b, c = np.divmod(rest, len(_NAME_C))
    names = _NAME_A[a] + _NAME_B[b] + " " + _NAME_C[c]
    round_ = np.arange(n) // combos
    return names + np.where(round_ > 0, " " + (round_ + 1).astype(str).astype(object), "")


def make_accounts(n_contacts: int, config: SimConfig, owners: pd.DataFrame,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Companies in the configured industries, each with an owner."""
    pop = config.section("population")
    n = max(1, int(round(n_contacts / pop["contacts_per_account"])))
    weights = np.array(pop["industry_weights"], dtype=float)
    industry = np.array(pop["industries"], dtype=object)[
        rng.choice(len(weights), n, p=weights / weights.sum())]
    return pd.DataFrame({
        "id": np.arange(1, n + 1),
        "name": _account_names(n, rng),
        "industry": industry,
        "owner_id": owners["id"].to_numpy()[rng.integers(0, len(owners), n)],
    })


def _crm_membership(n: int, pop: dict, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(in_salesforce, in_hubspot) flags from the configured shares."""
    u = rng.random(n)
    sf_only = u < pop["share_salesforce_only"]
    both = u >= 1.0 - pop["share_both"]
    return sf_only | both, ~sf_only


def make_people(n: int, config: SimConfig, accounts: pd.DataFrame, owners: pd.DataFrame,
                start: datetime, rng: np.random.Generator) -> pd.DataFrame:
    """People with titles, accounts, owners, CRM membership and opt-out flags."""
    pop = config.section("population")
    account_idx = np.sort(rng.integers(0, len(accounts), n))  # colleagues get adjacent ids
    first = FIRST_NAMES[rng.integers(0, len(FIRST_NAMES), n)]
    last = LAST_NAMES[rng.integers(0, len(LAST_NAMES), n)]
    domain = (accounts["name"].str.replace(" ", "-").str.lower() + ".example").to_numpy(
        dtype=object)[account_idx]
    titles = np.array(pop["titles"], dtype=object)
    weights = np.array(pop["title_weights"], dtype=float)
    in_sf, in_hs = _crm_membership(n, pop, rng)
    # Most people are looked after by their account's owner; some by a support rep.
    owner = accounts["owner_id"].to_numpy()[account_idx]
    other = rng.random(n) < 0.15
    owner[other] = owners["id"].to_numpy()[rng.integers(0, len(owners), int(other.sum()))]
    age = rng.uniform(1, pop["max_account_age_days"], n)
    return pd.DataFrame({
        "id": np.arange(1, n + 1),
        "first_name": first,
        "last_name": last,
        "email": _unique_emails(first + "." + last, domain),
        "title": titles[rng.choice(len(titles), n, p=weights / weights.sum())],
        "account_id": accounts["id"].to_numpy()[account_idx],
        "owner_id": owner,
        "in_salesforce": in_sf,
        "in_hubspot": in_hs,
        "opted_out": rng.random(n) < pop["opt_out_share"],
        "created_at": pd.Timestamp(start) - pd.to_timedelta(age, unit="D").round("s"),
    })


def make_traits(n: int, config: SimConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Hidden per-person multipliers: risk (flakiness), activity, and owner outreach."""
    het = config.section("heterogeneity")
    return {
        "risk": lognormal(rng, het["risk_sigma"], n),
        "activity": lognormal(rng, het["activity_sigma"], n),
        "outreach": lognormal(rng, het["outreach_sigma"], n),
    }


def history_start(end: datetime, days: int) -> datetime:
    """First instant of the generated history."""
    return end - timedelta(days=days)
