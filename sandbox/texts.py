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

# Tones, in the order used by the tone-mix matrix in simulator.toml ([text.tone_mix]).
TONES = (
    "positive", "neutral", "lukewarm", "complaint", "sarcastic",
    "mixed", "polite_frustrated", "swamped", "stop", "away",
)

SLOTS = {
    "feature": [
        "the dashboard", "the CSV export", "single sign-on", "the mobile app", "the API",
        "invoicing", "the Salesforce sync", "reporting", "user permissions", "search",
        "the Outlook plug-in", "scheduled reports",
    ],
    "team": [
        "the marketing team", "our EMEA office", "the finance team", "two more regions",
        "the support desk", "our new subsidiary", "the sales floor",
    ],
    "period": ["two weeks", "three weeks", "a month", "ten days", "six weeks"],
    "month": ["January", "March", "April", "June", "September", "October", "November"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "count": ["three", "four", "five", "six"],
    "plan": ["the Pro plan", "the Enterprise tier", "the analytics add-on", "extra seats"],
}

_BODIES = {
    "positive": [
        "Thanks for the quick turnaround on {feature}, the team is really happy with it.",
        "We rolled it out to {team} last week and adoption has been great.",
        "Just wanted to say the new release made {feature} so much faster for us.",
        "Could we book a call on {day} to talk about adding {plan}?",
        "Really appreciated the workshop, people are already using {feature} every day.",
        "We'd like to extend the contract and bring {team} on board.",
        "Your team has been fantastic, please pass on our thanks.",
        "Happy to be a reference customer if that helps you.",
        "The numbers from {feature} helped us close the quarter, thank you!",
        "Looking forward to the roadmap session on {day}.",
        "We are planning to expand usage in {month}, can you send a quote for {plan}?",
        "Everything is running smoothly on our side, keep it up.",
        "Loved the webinar yesterday, could you share the slides?",
        "The onboarding for {team} went better than we hoped.",
        "Quick note to say {feature} saved us hours this week.",
        "Great meeting today, let's keep this momentum.",
        "We renewed internally, paperwork should reach you by {day}.",
        "Can you add {count} more users to our account? Demand is growing.",
        "Brilliant support from your side on the migration, much appreciated.",
        "I'd love to get early access to the new {feature} beta.",
        "Our leadership saw the results and want to talk about {plan}.",
        "Thanks again, that fixed it right away.",
        "Count us in for the user conference in {month}.",
        "We're seeing real value, the team checks {feature} every morning.",
    ],
    "neutral": [
        "Can you send the invoice for {month}?",
        "Please find attached the signed order form.",
        "Could you confirm the renewal date for our subscription?",
        "Who should we contact about changing the billing address?",
        "Forwarding this to my colleague who handles {feature}.",
        "Please update our primary contact to the finance mailbox.",
        "What are the steps to add a new admin user?",
        "Is there documentation for {feature} that I can share internally?",
        "We need a copy of your security questionnaire answers.",
        "Can we move our check-in to {day} afternoon?",
        "Please send over the updated price list.",
        "Our PO number for this year is attached.",
        "Could you share the data processing agreement?",
        "I'm out on {day}, can we do the following week?",
        "What time zone is the maintenance window in?",
        "Confirming receipt of your email, will review and get back to you.",
        "Can you resend the meeting link for {day}?",
        "Do you support exporting from {feature} to Excel?",
        "We changed our VAT number, details below.",
        "Please add {team} to the distribution list for release notes.",
        "Which plan includes {feature}?",
        "Noted, thanks for the update.",
        "Can you clarify the difference between the two invoices from {month}?",
        "I'll check with procurement and revert.",
        "Our IT team asked for the list of IP ranges to allow.",
        "Attached is the usage report you asked for.",
        "Could you tell me how many seats we currently have?",
        "Following up on the contract amendment from {month}.",
    ],
    "lukewarm": [
        "We haven't had much time to look at {feature} lately.",
        "Not sure we'll renew {plan}, we're reviewing budgets.",
        "Let's revisit this next quarter.",
        "The team is using it less since the reorganisation.",
        "Can we push our check-in out by {period}?",
        "We're evaluating a few options for next year, will keep you posted.",
        "Honestly {feature} hasn't been a priority for us recently.",
        "I'll pass this on, but no promises.",
        "Probably not the right time for an upgrade.",
        "Our champion left the company, so things are a bit on hold.",
        "We might scale back to fewer seats in {month}.",
        "I skimmed the newsletter, nothing urgent for us at the moment.",
        "Maybe later in the year.",
        "We're fine for now, thanks.",
        "Usage is down a little since {team} moved to another tool.",
        "Can you remind me what we are paying for {plan}?",
        "It's okay, does what it says, nothing more.",
        "I don't think we need the training session after all.",
        "We'll see what the new budget allows.",
        "Sorry for the slow reply, things have been quiet on this project.",
    ],
    "complaint": [
        "{feature} has been broken for {period} and nobody has fixed it.",
        "I have now reported the same problem with {feature} {count} times.",
        "We are losing data every time the sync runs. This is unacceptable.",
        "Your last update broke {feature} for the whole of {team}.",
        "I have been waiting {period} for an answer to my ticket.",
        "Support keeps closing my case without solving anything.",
        "We are being charged twice for {plan} and nobody replies.",
        "If this isn't resolved by {day} we will escalate to our management.",
        "The outage yesterday cost us a full day of work.",
        "Every call with support ends with 'we will get back to you'. You never do.",
        "Reports from {feature} are wrong again and our finance team noticed.",
        "I want to speak to someone senior about this.",
        "The performance of {feature} is terrible, pages take a minute to load.",
        "We were promised a fix in {month}. Still nothing.",
        "Why do I have to explain the issue again to every new agent?",
        "Our users can't log in and we have a deadline on {day}.",
        "I'm very disappointed with how this has been handled.",
        "Your product is blocking {team} from doing their job.",
        "We are seriously considering cancelling the contract.",
        "Nobody from your side showed up to the call on {day}.",
        "The invoice is wrong for the third month in a row.",
        "This bug is costing us customers.",
        "Please stop sending surveys and fix the problem.",
        "Still broken. Still no answer.",
    ],
    "sarcastic": [
        "Great, another week without a fix.",
        "Love spending my {day} mornings on hold with your support line.",
        "Fantastic, {feature} is down again. Really making my day.",
        "Wonderful to hear the fix is 'on the roadmap'. Again. That makes {count} times.",
        "Thanks so much for closing my ticket while the issue is still there.",
        "Amazing how {feature} works perfectly in every demo and never for us.",
        "Sure, I'll just clear my cache again, that always helps.",
        "Good to know our case is 'high priority'. For {period} now.",
        "Another survey asking how satisfied I am. Bold choice.",
        "Perfect timing for the outage, right before our board meeting.",
        "Nice of you to finally reply, only took {period}.",
        "I'm thrilled to report {feature} is broken in a brand new way.",
        "Oh good, a new release. Can't wait to see what breaks this time.",
        "Brilliant, the invoice is wrong again. Consistency is a virtue I suppose.",
        "Really appreciate the automated reply, very personal.",
        "Cool, so we pay for {plan} to get the same bugs faster.",
        "Love the product, would love it more if it worked.",
        "So helpful to be told to restart it. Again.",
    ],
    "mixed": [
        "Love the product but support is a nightmare.",
        "{feature} is great when it works, but it keeps timing out.",
        "The team likes the new look, although exports are slower than before.",
        "Thanks for the call; we still can't get {feature} to work though.",
        "We're happy overall, but the billing mistakes are getting tiring.",
        "Your account manager is great, the product less so lately.",
        "Nice update, but it broke our {feature} integration.",
        "Good progress this week, though I'm worried about the delays on {feature}.",
        "We want to grow with you, but we need the stability issues sorted first.",
        "The features are excellent; the response times from support are not.",
        "Appreciate the discount, but that doesn't fix the outage.",
        "Users like {feature}, managers hate the reporting.",
        "Happy with the training, unhappy with the bugs we found afterwards.",
        "Mostly fine, except for the sync issue we flagged in {month}.",
        "Still a fan, but my patience with {feature} is running out.",
        "Great roadmap, please just fix what we already have.",
    ],
    "polite_frustrated": [
        "I appreciate your help, but this is still not working on our side.",
        "Sorry to chase again, is there any update on our ticket?",
        "I understand you're busy, but we really need {feature} fixed soon.",
        "Thank you for the reply. Unfortunately the workaround didn't help.",
        "Just checking in again on the issue from {day}, it's affecting {team}.",
        "Kindly let us know when we can expect a resolution.",
        "We'd be grateful if someone could look at this, it's been {period}.",
        "Hate to be a bother, but the problem with {feature} came back.",
        "Thanks for your patience with us; ours is wearing a bit thin.",
        "Could you please escalate this? We've tried everything you suggested.",
        "I know it's not your fault, but we need an answer by {day}.",
        "Appreciate the effort so far. Any chance of an ETA?",
        "With respect, this is the third follow-up on the same request.",
        "I hope you understand our position, the delays are hurting us.",
        "Sorry for the long email, but I want to explain again what's going wrong.",
        "We'd like to keep working with you, so please help us resolve this.",
    ],
    "swamped": [
        "I'm swamped right now, can this wait until {month}?",
        "Too much on my plate this quarter, sorry.",
        "Drowning in emails at the moment, I'll get back to you when I can.",
        "Thanks, but I really don't have time for another call.",
        "Can you put everything in one email? I can't keep up.",
        "We're in the middle of an audit, please hold off for {period}.",
        "Apologies for missing the meeting, it's been chaos here.",
        "I'll read this when things calm down.",
        "Way too many meetings this month, let's skip the check-in.",
        "Appreciate it, but I need fewer updates, not more.",
        "Our team is stretched thin, nobody can attend the webinar.",
        "I can't take on anything new until after {month}.",
        "Super busy with year-end, please be patient.",
        "Sorry, buried under deadlines. Will reply eventually.",
        "Thanks for thinking of us, but not now.",
        "Just one contact point please, I'm getting messages from {count} people at your company.",
    ],
    "stop": [
        "Too many emails. Please reduce the frequency.",
        "Please stop calling me, email is fine.",
        "Can you take me off the newsletter list?",
        "I've asked before: one email a week at most, please.",
        "Please stop sending me reminders about {feature}.",
        "Kindly remove me from the webinar invitations.",
        "We get {count} emails a week from you. That is too many.",
        "No more calls please, I'll reach out when we need something.",
        "Unsubscribe me from the marketing emails, thanks.",
        "Please coordinate internally before contacting us again.",
        "I don't need a follow-up on the follow-up.",
        "Stop booking meetings in my calendar without asking.",
    ],
    "away": [
        "I am out of the office until {day} with limited access to email.",
        "I have moved to a new role; please contact the main office instead.",
        "This mailbox is no longer monitored.",
        "Thank you for your email. I am on leave until {month}.",
        "I'm no longer responsible for this account.",
        "Auto-reply: I will respond as soon as possible.",
        "Please direct future questions to our procurement team.",
        "We have decided not to pursue this further at the moment.",
        "No longer relevant for us, thanks.",
        "Please remove this address; the person has left the company.",
    ],
}

# Second sentences that say nothing about mood; appended to some e-mails of every tone.
_FILLERS = [
    "I'm copying my colleague who also works on this.",
    "We have our board meeting next {day}.",
    "Let me know if you need anything else from us.",
    "Our fiscal year ends in {month}, for context.",
    "I'll be travelling most of next week.",
    "Please keep {team} in the loop.",
    "Our IT team may reach out separately.",
    "Sorry for the delay, I was out last week.",
    "We are also preparing for an audit.",
    "Happy to jump on a call if easier.",
    "Attached is a screenshot for reference.",
    "I'm not the right person for pricing questions, though.",
    "We moved offices in {month}, so our address changed.",
    "The new person on our side starts in {month}.",
    "Apologies for any typos, sent from my phone.",
    "We are reorganising {team} at the moment.",
    "My manager asked me to follow up on this.",
    "Just so you know, we also use a competitor's tool for {feature}.",
]

_OPENERS = {
    "positive": ["Hi,", "Hello team,", "Hi there,", "Good morning,", "Hey,", ""],
    "neutral": ["Hi,", "Hello,", "Dear team,", "Good afternoon,", ""],
    "negative": ["Hi,", "Hello,", "To whom it may concern,", "Hi again,", "", "Team,"],
    "tired": ["Hi,", "Hello,", "", "Hey,"],
}
_CLOSERS = {
    "positive": ["Thanks!", "Best regards,", "Cheers,", "Talk soon,", "Many thanks,", ""],
    "neutral": ["Thanks,", "Regards,", "Best,", "Kind regards,", ""],
    "negative": ["Regards,", "Thanks,", "Waiting for your reply.", "", "Please advise."],
    "tired": ["Thanks,", "", "Regards,", "Best,"],
}
_TONE_FRAME = {
    "positive": "positive", "neutral": "neutral", "lukewarm": "neutral",
    "complaint": "negative", "sarcastic": "negative", "mixed": "neutral",
    "polite_frustrated": "negative", "swamped": "tired", "stop": "tired", "away": "tired",
}

_SUBJECTS = {
    "positive": ["Thanks!", "Expansion", "Next steps", "Quick question about {plan}",
                 "Great session", "Renewal", "Feedback on {feature}"],
    "neutral": ["Invoice {month}", "Question", "Admin access", "Contract", "Re: follow-up",
                "Documentation for {feature}", "Billing details", "Meeting {day}"],
    "negative": ["Re: ticket", "Still waiting", "URGENT: {feature}", "Problem with {feature}",
                 "Re: Re: issue", "Escalation", "Follow-up on our case", "Re: follow-up"],
    "tired": ["Re: check-in", "Re: follow-up", "Re: webinar", "Auto-reply", "Re: newsletter",
              "Re: meeting request"],
}

# Cases: subjects per issue, and descriptions whose tone follows the state.
CASE_ISSUES = (
    "login", "billing", "export", "integration", "performance", "data sync", "permissions",
    "reports",
)
_CASE_SUBJECTS = {
    "login": ["Cannot log in", "SSO login fails", "Password reset loop", "Locked out"],
    "billing": ["Wrong invoice amount", "Double charge", "Billing address change",
                "Credit note request"],
    "export": ["CSV export fails", "Export missing columns", "Export times out"],
    "integration": ["Salesforce sync error", "API returns 500", "Webhook not firing",
                    "Outlook plug-in crash"],
    "performance": ["Dashboard slow", "Pages time out", "Search very slow"],
    "data sync": ["Records missing after sync", "Duplicate records", "Sync stuck"],
    "permissions": ["User cannot see reports", "Admin rights missing", "Role change not saved"],
    "reports": ["Report totals wrong", "Scheduled report not sent", "Chart shows no data"],
}
_CASE_CALM = [
    "Users report an issue with {feature}. Not urgent, but we'd like it looked at.",
    "Since the last update, {feature} behaves differently. Steps to reproduce attached.",
    "One of our users in {team} hit an error with {feature}. Can you advise?",
    "Small issue with {feature}; a workaround exists for now.",
    "We noticed a problem with {feature} on {day}. Screenshots attached.",
    "Could you check {feature}? A couple of users see an error message.",
    "Question about {feature}: is this expected behaviour or a bug?",
    "Low priority: {feature} shows an odd warning after login.",
    "Please investigate {feature} when you get a chance.",
    "Following the release in {month}, {feature} needs a configuration change on our side?",
]
_CASE_UPSET = [
    "{feature} has been failing for {period}. This is blocking {team}.",
    "Reopening: the problem with {feature} is back, same as last time.",
    "Third ticket about {feature}. Previous cases were closed without a fix.",
    "Critical: {feature} is down and we have a deadline on {day}.",
    "We need this fixed urgently. {feature} is unusable for {team}.",
    "Great, {feature} broke again right after your 'fix'.",
    "Still no resolution on {feature}; we expect an answer today.",
    "I love how every release breaks {feature}. Please fix it properly this time.",
    "The workaround you suggested for {feature} does not work. Escalating.",
    "Losing data because of {feature}; management is asking what we pay for.",
    "Polite reminder that {feature} has not worked for {period}.",
    "We appreciate the effort, but {feature} is still broken for everyone in {team}.",
]

# Rep notes (kind "note", written by the owner); the owner's impression follows the state.
_NOTES = {
    "engaged": [
        "Good call, they are expanding to {team}.",
        "Customer happy with {feature}; asked about {plan}.",
        "QBR went well, renewal expected in {month}.",
        "Champion is engaged and sharing results internally.",
        "Discussed roadmap; interested in the {feature} beta.",
        "Quick sync, no issues raised.",
        "Sent pricing for {plan} as requested.",
        "They referred a contact at another company.",
        "Routine check-in, all fine.",
        "Meeting notes: adoption growing in {team}.",
    ],
    "drifting": [
        "Hard to reach lately; two emails unanswered.",
        "Usage of {feature} seems down; contact noncommittal.",
        "Rescheduled the check-in again.",
        "Budget review pending, renewal uncertain.",
        "Contact said they are 'reviewing options'.",
        "Left a voicemail, no reply yet.",
        "Routine check-in, all fine.",
        "Champion moved teams; need a new sponsor.",
        "Short call, lukewarm on {plan}.",
        "Sent newsletter highlights, no response.",
    ],
    "frustrated": [
        "Customer upset about {feature}; promised an update by {day}.",
        "Escalation risk: open ticket for {period}.",
        "Angry call about the invoice, billing team informed.",
        "Contact threatened to cancel if {feature} isn't fixed.",
        "Apologised for the outage; they want a root cause.",
        "Routine check-in, all fine.",
        "Tense meeting, they feel ignored by support.",
        "Asked engineering for an ETA on the {feature} bug.",
        "Customer polite but clearly running out of patience.",
        "Case reopened for the second time.",
    ],
    "overwhelmed": [
        "Contact asked us to reduce contact frequency.",
        "Said they are swamped until {month}.",
        "No answer to calls; assistant says very busy.",
        "Asked for one consolidated email instead of several.",
        "Skipped the meeting, apologised for the workload.",
        "Routine check-in, all fine.",
        "Too many people from our side reaching out to them.",
        "Postponed the training to {month}.",
    ],
    "gone": [
        "No response after several attempts.",
        "Email bounced; contact may have left.",
        "Auto-reply: on leave until {month}.",
        "Tried calling, number disconnected.",
        "Routine check-in, all fine.",
        "Left a voicemail, no reply yet.",
        "Marked for re-engagement campaign.",
    ],
}

_OUTBOUND = [
    "Checking in on how things are going with {feature}.",
    "Sharing our latest release notes, highlights include {feature}.",
    "Would you have 20 minutes on {day} for a quick check-in?",
    "Invitation: webinar on getting more out of {feature}.",
    "Following up on my last email.",
    "Your renewal is coming up in {month}; happy to walk through options.",
    "Reminder: training session on {day}.",
    "Here's a case study from a customer using {feature}.",
    "Quick survey: how satisfied are you with {feature}?",
    "Newsletter: what's new this month.",
    "Thought this article on {feature} might interest {team}.",
    "Just following up, let me know if you have any questions.",
]
_OUTBOUND_SUBJECTS = ["Checking in", "Release notes", "Quick check-in?", "Webinar invitation",
                      "Following up", "Your renewal", "Training reminder", "Customer story",
                      "Quick survey", "Newsletter"]


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


BODY_BANKS = {tone: _bank(_BODIES[tone]) for tone in TONES}
OPENER_BANKS = {k: np.array([o + " " if o else "" for o in v], dtype=object)
                for k, v in _OPENERS.items()}
CLOSER_BANKS = {k: np.array([" " + c if c else "" for c in v], dtype=object)
                for k, v in _CLOSERS.items()}
SUBJECT_BANKS = {k: _bank(v, 3) for k, v in _SUBJECTS.items()}
CASE_SUBJECT_BANKS = [np.array(_CASE_SUBJECTS[i], dtype=object) for i in CASE_ISSUES]
CASE_BANKS = (_bank(_CASE_CALM), _bank(_CASE_UPSET))
NOTE_BANKS = {state: _bank(v, 4) for state, v in _NOTES.items()}
OUTBOUND_BANK = _bank(_OUTBOUND, 4)
FILLER_BANK = _bank(_FILLERS, 4)
OUTBOUND_SUBJECT_BANK = np.array(_OUTBOUND_SUBJECTS, dtype=object)
_FRAME_KEYS = tuple(_OPENERS)
_TONE_FRAME_CODE = np.array([_FRAME_KEYS.index(_TONE_FRAME[t]) for t in TONES])


def base_sentence_count() -> int:
    """How many distinct base sentences (before slot filling) the banks are built from."""
    groups = [*_BODIES.values(), _CASE_CALM, _CASE_UPSET, *_NOTES.values(), _OUTBOUND]
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
    from sandbox.world import STATES  # local: texts stays usable without the world contract

    return _by_group(states, NOTE_BANKS, STATES, rng)


def case_texts(
    upset: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Case subjects (by a random issue) and descriptions, calm or upset per row."""
    issues = rng.integers(0, len(CASE_ISSUES), size=len(upset))
    subjects = _by_group(issues, dict(enumerate(CASE_SUBJECT_BANKS)),
                         range(len(CASE_ISSUES)), rng)
    descriptions = _by_group(upset.astype(int), dict(enumerate(CASE_BANKS)), (0, 1), rng)
    return subjects, descriptions


# Subjects of activities that carry little or no text.
CALL_IN_SUBJECTS = np.array(["Inbound call", "Call from customer", "Call back request"],
                            dtype=object)
CALL_OUT_SUBJECTS = np.array(["Call", "Follow-up call", "Check-in call", "Voicemail"],
                             dtype=object)
MEETING_SUBJECTS = np.array(["Check-in", "Quarterly business review", "Product demo",
                             "Training session", "Onboarding session", "Roadmap review"],
                            dtype=object)
PURCHASE_SUBJECTS = np.array(["Order", "Renewal", "Add-on purchase", "Seat upgrade"],
                             dtype=object)

_ACTION_EMAILS = {
    "support_note": [
        "I saw your recent messages about {feature} and I'm sorry for the trouble.",
        "I've asked our support lead to look at your open case personally.",
        "I want to make sure {feature} works for you; can we set up a call on {day}?",
        "Thanks for your patience. Here is where we are with the issue and what happens next.",
        "I've reviewed your case history and want to help get this resolved.",
    ],
    "offer": [
        "We're offering existing customers early access to {plan}; interested?",
        "Based on how {team} uses the product, {plan} could save you time.",
        "Here's a complimentary training session on {feature} for your team.",
        "A quick idea on getting more value from {feature}, with a discount on {plan}.",
        "Would a short check-in on {day} help you get more out of {feature}?",
    ],
}
ACTION_SUBJECTS = {"support_note": np.array(["Following up on your issue", "Your open case"],
                                            dtype=object),
                   "offer": np.array(["Something for your team", "An idea for you"],
                                     dtype=object)}
ACTION_BANKS = {action: _bank(v, 4) for action, v in _ACTION_EMAILS.items()}


def action_emails(action: str, n: int, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Subjects and bodies of the e-mails by which a rep carries out an action task."""
    return _pick(ACTION_SUBJECTS[action], rng, n), _pick(ACTION_BANKS[action], rng, n)


def pick(bank: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform picks from one of the subject banks above."""
    return _pick(bank, rng, n)
