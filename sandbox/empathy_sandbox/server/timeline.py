"""One contact's history across both CRMs, newest first, for the web page."""

from __future__ import annotations

from empathy_sandbox.server.store import Store

_SF_QUERIES = [
    ("email", 'SELECT MessageDate, CASE WHEN Incoming = 1 THEN \'inbound\' ELSE \'outbound\' END, '
              'Subject, TextBody FROM "EmailMessage" WHERE (FromAddress = ? COLLATE NOCASE OR '
              'ToAddress = ? COLLATE NOCASE) AND IsDeleted = 0', 2),
    ("task", 'SELECT CreatedDate, COALESCE(CallType, TaskSubtype), Subject, Description FROM '
             '"Task" WHERE WhoId = ? AND IsDeleted = 0 AND _source = \'sim\'', 1),
    ("meeting", 'SELECT StartDateTime, \'\', Subject, Description FROM "Event" WHERE WhoId = ? '
                'AND IsDeleted = 0', 1),
    ("purchase", 'SELECT CloseDate, \'\', Name, CAST(Amount AS TEXT) FROM "Opportunity" WHERE '
                 'ContactId = ? AND IsDeleted = 0', 1),
    ("case", 'SELECT CreatedDate, Status || \' · \' || Priority, Subject, Description FROM '
             '"Case" WHERE ContactId = ? AND IsDeleted = 0', 1),
]
_HS_TYPES = [
    ("email", "emails", "hs_timestamp", "hs_email_direction", "hs_email_subject",
     "hs_email_text"),
    ("call", "calls", "hs_timestamp", "hs_call_direction", "hs_call_title", "hs_call_body"),
    ("meeting", "meetings", "hs_timestamp", "hs_meeting_outcome", "hs_meeting_title",
     "hs_meeting_body"),
    ("note", "notes", "hs_timestamp", "''", "''", "hs_note_body"),
    ("purchase", "deals", "closedate", "dealstage", "dealname", "amount"),
    ("case", "tickets", "created_at", "'stage ' || hs_pipeline_stage || ' · ' || "
     "hs_ticket_priority", "subject", "content"),
]


def contact_timeline(store: Store, sf_id: str | None, hs_id: int | None, email: str
                     ) -> list[dict]:
    """Events ``{ts, crm, kind, detail, subject, text}``, newest first."""
    events: list[dict] = []
    conn = store.conn
    if sf_id:
        for kind, sql, n_params in _SF_QUERIES:
            params = [email, email] if n_params == 2 else [sf_id]
            for ts, detail, subject, text in conn.execute(sql, params):
                events.append({"ts": ts, "crm": "Salesforce", "kind": kind, "detail": detail,
                               "subject": subject, "text": text})
    if hs_id is not None:
        for kind, table, ts_col, detail, subject, text in _HS_TYPES:
            singular = table[:-1]
            sql = (f"SELECT o.{ts_col}, {detail}, {subject}, {text} FROM hs_{table} o JOIN "
                   f"hs_assoc a ON a.from_type = '{singular}' AND a.from_id = o.id AND "
                   f"a.to_type = 'contact' AND a.to_id = ? WHERE o.archived = 0 AND "
                   f"o._source = 'sim'")
            for ts, det, subj, txt in conn.execute(sql, (hs_id,)):
                events.append({"ts": ts, "crm": "HubSpot", "kind": kind, "detail": det,
                               "subject": subj, "text": txt})
    events.sort(key=lambda e: e["ts"] or "", reverse=True)
    return events
