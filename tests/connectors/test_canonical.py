import pandas as pd

from empathy_engine.connectors.canonical import contact_key, frame, to_utc
from empathy_engine.core import schema


def test_contact_key_is_lower_case_email():
    assert contact_key(" Ada@Example.COM ") == "ada@example.com"
    assert contact_key("not-an-email") is None
    assert contact_key(None) is None


def test_to_utc_reads_salesforce_hubspot_and_epoch_formats():
    parsed = to_utc(["2024-05-03T10:15:30.000+0000", "2024-05-03T10:15:30.123Z",
                     "1714731330000", None])
    assert parsed[0] == pd.Timestamp("2024-05-03T10:15:30Z")
    assert parsed[1] == pd.Timestamp("2024-05-03T10:15:30.123Z")
    assert parsed[2] == pd.Timestamp("2024-05-03T10:15:30Z")
    assert pd.isna(parsed[3])


def test_frame_has_exactly_the_schema_columns():
    df = frame([{"contact_key": "a@b.c", "source": "hubspot", "activity_id": "emails:1",
                 "ts": "2024-05-03T10:15:30Z", "kind": "email", "direction": "inbound"}],
               schema.ACTIVITIES)
    assert list(df.columns) == schema.ACTIVITIES.names
    assert str(df["ts"].dtype) == "datetime64[us, UTC]"
    assert df["amount"].isna().all()
