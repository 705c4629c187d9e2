"""How the simulated world looks as Salesforce and HubSpot records."""


def rows(store, sql, *params):
    return store.conn.execute(sql, params).fetchall()


def test_people_land_in_their_crms(store):
    assert rows(store, 'SELECT Email, HasOptedOutOfEmail FROM "Contact" ORDER BY Email') == [
        ("ada@acme.example", 0), ("bob@acme.example", 1)]
    assert [r[0] for r in rows(store, "SELECT email FROM hs_contacts ORDER BY email")] == [
        "ada@acme.example", "cy@globex.example"]
    assert rows(store, "SELECT hs_email_optout FROM hs_contacts") == [("false",), ("false",)]


def test_salesforce_activity_mapping(store):
    emails = rows(store, 'SELECT Incoming, FromAddress, ToAddress, Status, ParentId IS NOT NULL '
                         'FROM "EmailMessage" ORDER BY MessageDate')
    assert emails == [(1, "ada@acme.example", "rep1@corp.example", "0", 1),
                      (0, "rep1@corp.example", "ada@acme.example", "3", 1)]
    tasks = rows(store, 'SELECT TaskSubtype, CallType, Status, IsClosed, Empathy_Key__c FROM '
                        '"Task" ORDER BY CreatedDate')
    assert tasks == [("Call", "Inbound", "Completed", 1, None),
                     ("Task", None, "Completed", 1, None)]
    assert rows(store, 'SELECT DurationInMinutes, EndDateTime FROM "Event"') == [
        (30, "2026-05-04T09:30:00.000+0000")]
    assert rows(store, 'SELECT StageName, Amount, IsWon, CloseDate FROM "Opportunity"') == [
        ("Closed Won", 1200.0, 1, "2026-05-05")]


def test_cases_and_their_history(store):
    assert rows(store, 'SELECT Status, IsEscalated, IsClosed, ClosedDate FROM "Case"') == [
        ("Closed", 1, 1, "2026-05-04T09:00:00.000+0000")]
    assert rows(store, 'SELECT Field, OldValue, NewValue, CreatedDate FROM "CaseHistory" '
                       "ORDER BY CreatedDate") == [
        ("Status", "New", "Escalated", "2026-05-03T09:00:00.000+0000"),
        ("Status", "Escalated", "Closed", "2026-05-04T09:00:00.000+0000")]
    assert rows(store, "SELECT hs_pipeline_stage, hs_ticket_priority FROM hs_tickets") == [
        ("1", "LOW")]


def test_hubspot_engagements_are_associated(store):
    (email_id,) = rows(store, "SELECT id FROM hs_emails")[0]
    links = rows(store, "SELECT to_type, type_id FROM hs_assoc WHERE from_type = 'email' AND "
                        "from_id = ? ORDER BY to_type", email_id)
    assert links == [("contact", 198), ("ticket", 224)]
    back = rows(store, "SELECT type_id FROM hs_assoc WHERE from_type = 'contact' AND "
                       "to_type = 'email'")
    assert back == [(197,)]
    assert rows(store, "SELECT dealstage, amount FROM hs_deals") == [("closedwon", "300.50")]
    assert rows(store, "SELECT hs_call_direction FROM hs_calls") == [("OUTBOUND",)]


def test_ids_have_prefixes_and_case_safe_suffixes(store):
    from empathy_sandbox.salesforce.ids import case_safe_suffix, normalize_id
    for table, prefix in (("Contact", "003"), ("Task", "00T"), ("Case", "500"),
                          ("EmailMessage", "02s"), ("Opportunity", "006"), ("User", "005")):
        for (rid,) in rows(store, f'SELECT Id FROM "{table}"'):
            assert len(rid) == 18 and rid.startswith(prefix)
            assert rid[15:] == case_safe_suffix(rid[:15])
            assert normalize_id(rid[:15]) == rid
    assert case_safe_suffix("001A0000006Vm9r") == "IAC"  # Salesforce's documented example
