"""The simulated world: what the simulator produces and the sandbox CRM serves.

The simulator (``sandbox.simulator``) knows people and what they do; the sandbox server
(``sandbox.server`` and its store) decides how that looks as Salesforce and HubSpot records.
This module is the only thing the two share. All tables are pandas DataFrames so that seeding
100,000 contacts stays vectorised.

owners      id:int, email:str, first_name:str, last_name:str
accounts    id:int, name:str, industry:str, owner_id:int
people      id:int, first_name, last_name, email (unique, lower case), title, account_id:int,
            owner_id:int, in_salesforce:bool, in_hubspot:bool, opted_out:bool,
            created_at:datetime64[ns, UTC]
activities  id:int, person_id:int, crm:str ("salesforce"|"hubspot": where it is recorded),
            ts:datetime64[ns, UTC], kind:str, direction:str ("inbound"|"outbound"),
            subject:str, text:str (may be ""), amount:float (NaN unless purchase),
            case_id:int (-1 unless the row belongs to a case)
            kind is one of: "email", "call", "meeting", "note", "purchase"
cases       id:int, person_id:int, crm:str, opened_at, escalated_at (NaT if never),
            closed_at (NaT while open), subject:str, description:str, priority:str
            ("High"|"Medium"|"Low")
states      person_id:int, week_start:datetime64[ns, UTC], state:str — the hidden weekly
            state ("engaged"|"drifting"|"frustrated"|"overwhelmed"|"gone"); never served
            through the CRM APIs, only through the admin truth endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

STATES = ("engaged", "drifting", "frustrated", "overwhelmed", "gone")
ACTIVITY_KINDS = ("email", "call", "meeting", "note", "purchase")
CRMS = ("salesforce", "hubspot")


@dataclass
class World:
    """Everything the simulator generated, up to ``now``."""

    owners: pd.DataFrame
    accounts: pd.DataFrame
    people: pd.DataFrame
    activities: pd.DataFrame
    cases: pd.DataFrame
    states: pd.DataFrame
    now: datetime
    seed: int
    extra: dict = field(default_factory=dict)  # simulator-private state (e.g. RNG position)
