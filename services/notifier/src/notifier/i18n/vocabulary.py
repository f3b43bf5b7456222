"""Words listed by a code the data carries: a trip's status, a cost item, an entry's kind.

Each is marked here for ``pybabel extract`` and translated where it is shown
(``words(lang).word(STATUS[code])``). Contexts tell apart the same English word
in two roles, which other languages word differently ("Cancelled" trip status:
"Cancelado"; "cancelled" trips: "cancelados").
"""

from notifier.i18n.words import Message, mark

# A trip's state in its life cycle.
STATUS: dict[str, Message] = {
    # Translators: a trip's status in a table; it agrees with "trip" (viaje, déplacement, viagem).
    "approved": mark.pgettext("trip status", "Approved"),
    "cancelled": mark.pgettext("trip status", "Cancelled"),
    "completed": mark.pgettext("trip status", "Returned"),
    "reported": mark.pgettext("trip status", "Reported"),
    "closed": mark.pgettext("trip status", "Closed"),
}

# A checklist line's verdict.
VERDICT: dict[str, Message] = {
    "pass": mark.pgettext("checklist verdict", "Pass"),
    "warning": mark.pgettext("checklist verdict", "Warning"),
    "pending": mark.pgettext("checklist verdict", "Not yet due"),
}

# What kind of trip it is.
CATEGORY: dict[str, Message] = {
    # Translators: follows "Kind of trip:", so no article is needed.
    "summit": mark.pgettext("trip category", "summit or conference"),
    "network_meeting": mark.pgettext("trip category", "city network meeting"),
    "twinning": mark.pgettext("trip category", "twinning visit"),
    "study_visit": mark.pgettext("trip category", "study visit"),
    "cooperation_project": mark.pgettext("trip category", "cooperation project"),
    "investment": mark.pgettext("trip category", "investment mission"),
    "other": mark.pgettext("trip category", "official trip"),
}

# What an agenda item is.
AGENDA_KIND: dict[str, Message] = {
    "meeting": mark.pgettext("agenda item", "Meeting"),
    "site_visit": mark.pgettext("agenda item", "Site visit"),
    "session": mark.pgettext("agenda item", "Session"),
    "speech": mark.pgettext("agenda item", "Speech"),
    "travel": mark.pgettext("agenda item", "Travel"),
    "free_time": mark.pgettext("agenda item", "Free time"),
}

# What a cost line pays for.
COST_ITEM: dict[str, Message] = {
    "airfare": mark.pgettext("cost item", "Airfare"),
    "lodging": mark.pgettext("cost item", "Lodging"),
    "per_diem": mark.pgettext("cost item", "Per diem"),
    "registration": mark.pgettext("cost item", "Registration"),
    "local_transport": mark.pgettext("cost item", "Local transport"),
    "other": mark.pgettext("cost item", "Other"),
}

# Who pays a cost line, inside a sentence.
PAYER: dict[str, Message] = {
    # Translators: inside a sentence, as in "$1,000 is paid by the host".
    "city": mark.pgettext("who pays", "the city"),
    "host": mark.pgettext("who pays", "the host"),
    "national_government": mark.pgettext("who pays", "the national government"),
    "external_grant": mark.pgettext("who pays", "an external grant"),
    "other": mark.pgettext("who pays", "others"),
}

# Who pays, as a chart's legend names them.
CHART_PAYER: dict[str, Message] = {
    # Translators: inside a sentence, as in "$1,000 is paid by the host".
    "city": mark.pgettext("who pays, in a chart legend", "City"),
    "host": mark.pgettext("who pays, in a chart legend", "Host"),
    "national_government": mark.pgettext("who pays, in a chart legend", "National government"),
    "external_grant": mark.pgettext("who pays, in a chart legend", "External grant"),
    "other": mark.pgettext("who pays, in a chart legend", "Others"),
}

# What came of an expected outcome.
ACHIEVED: dict[str, Message] = {
    "yes": mark.pgettext("outcome result", "Achieved"),
    "partly": mark.pgettext("outcome result", "Partly achieved"),
    "no": mark.pgettext("outcome result", "Not achieved"),
    "missing": mark.pgettext("outcome result", "No result reported"),
}

# A follow-up commitment's state.
FOLLOWUP: dict[str, Message] = {
    "open": mark.pgettext("follow-up status", "Open"),
    "in_progress": mark.pgettext("follow-up status", "In progress"),
    "done": mark.pgettext("follow-up status", "Done"),
    "dropped": mark.pgettext("follow-up status", "Dropped"),
    "overdue": mark.pgettext("follow-up status", "Overdue"),
}

# A ledger entry's kind, as a heading.
EVENT: dict[str, Message] = {
    "alert.report_overdue": mark.pgettext("ledger entry", "Report overdue"),
    "alert.followup_missed": mark.pgettext("ledger entry", "Follow-up date missed"),
    "trip.approved": mark.pgettext("ledger entry", "Trip approved"),
    "trip.amended": mark.pgettext("ledger entry", "Trip amended"),
    "trip.corrected": mark.pgettext("ledger entry", "Record corrected"),
    "trip.change_pending": mark.pgettext("ledger entry", "Change awaiting a second approval"),
    "trip.change_rejected": mark.pgettext("ledger entry", "Change rejected"),
    "trip.cancelled": mark.pgettext("ledger entry", "Trip cancelled"),
    "trip.completed": mark.pgettext("ledger entry", "Trip completed, actual costs"),
    "trip.reported": mark.pgettext("ledger entry", "Report published"),
    "followup.updated": mark.pgettext("ledger entry", "Follow-up updated"),
    "entry.withheld": mark.pgettext("ledger entry", "An entry withheld under law"),
    "source.seq_resolved": mark.pgettext(
        "ledger entry", "The ledger moved past an event it could not take"
    ),
    "withheld": mark.pgettext("ledger entry", "Withheld under law"),
    "trip.closed": mark.pgettext("ledger entry", "Trip closed"),
}

# A fact of a ledger entry, as a heading.
FIELD: dict[str, Message] = {
    "type": mark.gettext("Kind"),
    "trip_id": mark.gettext("Trip"),
    "occurred_at": mark.gettext("Recorded"),
    "title": mark.gettext("Title"),
    "departure": mark.gettext("Departure"),
    "return": mark.gettext("Return"),
    "budget_total": mark.gettext("Budgeted total"),
    "city_share": mark.gettext("Paid by the city"),
    "reason": mark.gettext("Reason"),
    "fields": mark.gettext("Fields it changes"),
    "withheld_index": mark.gettext("Entry withheld"),
    "legal_basis": mark.gettext("Legal basis"),
    "actual_total": mark.gettext("Actual total"),
    "actual_city": mark.gettext("Paid by the city"),
    "filed_on": mark.gettext("Report filed"),
    "summary": mark.gettext("Summary"),
    "commitment": mark.gettext("Commitment"),
    "followup_status": mark.gettext("Status"),
}

# A fact of a ledger entry, as a verdict names it in a sentence.
FACT: dict[str, Message] = {
    "type": mark.gettext("the kind of entry"),
    "trip_id": mark.gettext("the trip"),
    "occurred_at": mark.gettext("the time of the entry"),
    "title": mark.gettext("the title"),
    "departure": mark.gettext("the departure date"),
    "return": mark.gettext("the return date"),
    "budget_total": mark.gettext("the budgeted total"),
    "city_share": mark.gettext("the city's share"),
    "reason": mark.gettext("the reason"),
    "fields": mark.gettext("the fields it changes"),
    "withheld_index": mark.gettext("the withheld entry"),
    "legal_basis": mark.gettext("the legal basis"),
    "actual_total": mark.gettext("the actual total"),
    "actual_city": mark.gettext("the city's share"),
    "filed_on": mark.gettext("the report's date"),
    "summary": mark.gettext("the report's summary"),
    "commitment": mark.gettext("the commitment"),
    "followup_status": mark.gettext("the follow-up's status"),
}

# A checklist threshold, by its setting's key.
RULE: dict[str, Message] = {
    "min_notice_days": mark.gettext("Days of notice before departure, at least"),
    "min_agenda_share": mark.gettext("Share of travel days with official agenda items, at least"),
    "min_purpose_chars": mark.gettext("Length of the stated purpose in characters, at least"),
    "max_cost_ratio": mark.gettext(
        "Cost per traveller-day, at most this many times the city's median"
    ),
    "min_cofunded_share": mark.gettext("Share paid by hosts or partners, at least"),
    "max_delegation": mark.gettext("Delegation size, at most"),
    "min_departments": mark.gettext("Departments involved, at least"),
    "late_amendment_days": mark.gettext(
        "An amendment is late when made fewer days than this before departure"
    ),
    "require_followups": mark.gettext("A report must record follow-up commitments"),
    "max_emissions_ratio": mark.gettext(
        "Estimated flight emissions per traveller-day, at most this many times the city's median"
    ),
}

# A figure of the year, as the trips behind it are named.
FIGURE: dict[str, Message] = {
    "trips": mark.gettext("trips"),
    "cost": mark.gettext("cost"),
    "cofunded": mark.gettext("paid by hosts and partners"),
    "outcomes": mark.gettext("outcomes"),
    "overdue": mark.gettext("reports overdue"),
    "followups": mark.gettext("follow-up commitments"),
    "notice": mark.gettext("notice"),
    "short_notice": mark.gettext("short notice"),
    "cancelled": mark.gettext("cancelled"),
}

# An open-data table, by its file name.
TABLE: dict[str, Message] = {
    "trips": mark.gettext("trips"),
    "costs": mark.gettext("costs"),
    "outcomes": mark.gettext("outcomes"),
    "followups": mark.gettext("follow-ups"),
    "signals": mark.gettext("checklist"),
}

# The verify button's verdicts; the script fills the placeholders.
VERIFY: dict[str, Message] = {
    # Translators: the verify button's script fills the {placeholders}; keep each of them.
    "checking": mark.gettext("Checking…"),
    "ok": mark.gettext(
        "Verified: entry {index} is in the ledger of {size} entries signed by {origin}."
    ),
    "warn": mark.gettext(
        "Partly verified: entry {index} is in the ledger of {size} entries signed by {origin}."
    ),
    "fail": mark.gettext("Not verified: {reason}."),
    "witnesses": mark.gettext("Cosigned by {witnesses}, as the trust policy requires."),
    "no_witness": mark.gettext("The trust policy in use asks for no witness cosignature."),
    "source": mark.gettext("Signed by its source, {source} (key {key_id})."),
    "unsigned": mark.gettext(
        "Warning: this entry carries no signature of its source. It is in the first "
        "format (periplus.event/1), from before sources signed, so only its place in the "
        "ledger is proven.",
    ),
    "withheld": mark.gettext(
        "Its content is withheld under law; only its place in the ledger is proven, by its hash.",
    ),
    "matches": mark.gettext("What this page shows for it matches the signed record."),
    "differs": mark.gettext(
        "the page shows {what} as {shown}, but the signed record says {signed}"
    ),
    "missing": mark.gettext(
        "the page shows {what} as {shown}, but the signed record has no such value"
    ),
    "pinned_set": mark.gettext("Checked with the keys this site pins."),
    "own_set": mark.gettext("Checked with your own keys."),
    "pinned_in_use": mark.gettext("The verify buttons use the keys this site pins."),
    "own_in_use": mark.gettext("The verify buttons use your own keys."),
    "own_saved": mark.gettext(
        "Your keys are kept in this browser and used for every check until you forget them."
    ),
    "own_forgotten": mark.gettext("Your keys are forgotten; checks use the keys this site pins."),
    "unranged": mark.gettext(
        "No seqs follow {keys}: this page trusts such a key for every seq of its source. If the "
        "source changed its key, a retired key (the one most likely to have leaked) would "
        "vouch for events numbered after it was retired, and a new key for events from before "
        "it took over. Write the seqs after each key as a trip page's list of keys shows "
        "them: “<key> 1-” for a key in use since the first seq."
    ),
}

# What the trips are filtered by, as a form's label and a feed's title name it.
FILTER: dict[str, Message] = {
    "department": mark.gettext("Department"),
    "sdg": mark.gettext("SDG goal"),
    "country": mark.gettext("Country"),
    "status": mark.gettext("Status"),
    "year": mark.gettext("Year"),
    "trip": mark.gettext("Trip"),
}

# A digest's period, as its feed and page name it.
DIGEST_KIND: dict[str, Message] = {
    "monthly": mark.gettext("Monthly digest"),
    "yearly": mark.gettext("Yearly digest"),
}

# Why the verify button refuses an entry; the script fills the placeholders.
REASONS: dict[str, Message] = {
    # Translators: completes "Not verified: …"; keep each {placeholder} as it is.
    "network": mark.gettext("the ledger could not be reached"),
    "unreadable": mark.gettext("the site's answer cannot be read"),
    "policy_line": mark.gettext("line {line} of the trust policy cannot be read"),
    "policy_quorum": mark.gettext("the trust policy has no quorum line"),
    "source_line": mark.gettext("this source key cannot be read: {key}"),
    "note": mark.gettext("the checkpoint is not a signed note"),
    "origin": mark.gettext("the trust policy lists no log named {origin}"),
    "unsigned_checkpoint": mark.gettext("the checkpoint carries no signature by {origin}"),
    "stale": mark.gettext(
        "the checkpoint of {origin} is signed with key {found}, but the key in use is "
        "{pinned}; a checkpoint signed by any other key is refused"
    ),
    "log_sig": mark.gettext("the signature of {origin} on the checkpoint does not verify"),
    "retired": mark.gettext(
        "the checkpoint of {origin} is signed with a key retired at size {size}, which "
        "vouches for no larger tree, nor for another of that size"
    ),
    "rotation": mark.gettext("a key rotation statement of the ledger does not verify"),
    "cosig": mark.gettext("the cosignature by the witness {name} does not verify"),
    "quorum": mark.gettext(
        "the checkpoint is cosigned by {have}, which does not meet the quorum “{quorum}” of "
        "the trust policy"
    ),
    "uncosigned": mark.gettext(
        "no witness of the trust policy cosigned the checkpoint, so it does not meet the "
        "quorum “{quorum}”"
    ),
    "pending": mark.gettext("the entry is not yet in a signed checkpoint"),
    "leaf": mark.gettext("the ledger's entry does not match its proof"),
    "proof": mark.gettext("the inclusion proof does not lead to the signed root"),
    "crypto": mark.gettext("this browser cannot check Ed25519 signatures"),
    "spec": mark.gettext("the entry is in a format this page does not know ({spec})"),
    "source_form": mark.gettext("the entry's signature cannot be read"),
    "notice_source": mark.gettext(
        "only the ledger ({ledger}) may state its notices (withholdings, seqs it moved past), "
        "but this one comes from {source}"
    ),
    "ledger_speaks": mark.gettext(
        "the ledger's own source ({ledger}) may only state its notices (withholdings, seqs it "
        "moved past)"
    ),
    "source_none": mark.gettext("no key of its source, {source}, is in use"),
    "source_key": mark.gettext(
        "the entry is signed with key {key}, which is not a key of {source} in use"
    ),
    "source_sig": mark.gettext("the signature does not verify under key {key} of {source}"),
    "source_before": mark.gettext(
        "key {key} of {source} signs only from seq {first}, and this entry is seq {seq}"
    ),
    "source_retired": mark.gettext(
        "key {key} of {source} was retired after seq {last}, and this entry is seq {seq}"
    ),
    "withheld_now": mark.gettext(
        "the ledger withholds this entry's content under law, but the page still shows it"
    ),
    "not_withheld": mark.gettext(
        "the page says this entry is withheld, but the ledger serves its content"
    ),
    "withheld_unannounced": mark.gettext(
        "the ledger withholds this entry's content with no public notice in the ledger that "
        "names this entry and its hash"
    ),
    "notice_pending": mark.gettext(
        "the ledger's notice of this withholding (entry {notice}) is not yet in a signed checkpoint"
    ),
    "notice_unsigned": mark.gettext(
        "the ledger's notice of this withholding (entry {notice}) carries no signature of the "
        "ledger"
    ),
    "notice_refused": mark.gettext(
        "the ledger's notice of this withholding (entry {notice}) is refused: {reason}"
    ),
}

# Quotation marks around a value the verify button quotes, in the reader's typography.
QUOTES = (
    mark.pgettext("opening quotation mark", "“"),
    mark.pgettext("closing quotation mark", "”"),
)

# The standalone verifier, a file a reader keeps: its own words beside the verdicts'.
VERIFIER: dict[str, Message] = {
    # Translators: the standalone verifier's script fills the {placeholders}; keep each of them.
    "title": mark.gettext("Periplus verifier"),
    "intro": mark.gettext(
        "This file checks an entry of a Periplus ledger with the keys you give it. It takes "
        "no code and no keys from the site it checks: the site only serves the data, and "
        "every check runs here, in your browser."
    ),
    "language": mark.gettext("Language"),
    "site": mark.gettext("Site address"),
    "site_help": mark.gettext(
        "Where the data comes from, the site's address shown above its pages. It is not "
        "trusted: everything it serves is checked."
    ),
    "policy": mark.gettext("Trust policy (tlog-policy)"),
    "policy_help": mark.gettext(
        "The ledger's key and the witnesses' keys, as their owners publish them."
    ),
    "sources": mark.gettext("Source keys, one per line"),
    "sources_help": mark.gettext(
        "The keys of the sources that sign the entries, each followed by the seqs it signs, "
        "as a trip page's list of keys shows them (“<key> 1-”, or “<key> 1-41” for a key "
        "retired after seq 41); and the ledger's own key under its source's name, for its "
        "notices (withholdings, seqs it moved past)."
    ),
    "entry": mark.gettext("Entry"),
    "entry_help": mark.gettext(
        "An entry's index, or the address of a trip page's entry (ending with #entry- and "
        "the index)."
    ),
    "receipt": mark.gettext("Or a receipt file (.tlog-proof)"),
    "receipt_help": mark.gettext(
        "A receipt a trip page offers for an entry. With one chosen, Verify checks it here "
        "with no network at all, and the site address and the entry are not used."
    ),
    "drop": mark.gettext("Remove the receipt"),
    "verify": mark.gettext("Verify"),
    "save": mark.gettext("Keep in this browser"),
    "forget": mark.gettext("Forget"),
    "saved": mark.gettext(
        "The address and the keys are kept in this browser and filled in when you open "
        "this file again."
    ),
    "forgotten": mark.gettext("The address and the keys are forgotten."),
    "not_saved": mark.gettext("This browser keeps nothing for this file."),
    "from_disk": mark.gettext(
        "Opened from this computer, the file keeps no keys: any other file opened in this "
        "browser could change them. Paste them each time, or host the file on a site of "
        "your own to keep them."
    ),
    "bad_site": mark.gettext("the site address is not a web address (http or https)"),
    "bad_entry": mark.gettext(
        "the entry is neither an index nor a trip page's address ending with #entry- and the index"
    ),
    "checkpoint_ok": mark.gettext(
        "The checkpoint of {size} entries is signed by {origin} with a key of your trust policy."
    ),
    "included": mark.gettext(
        "The inclusion proof leads from entry {index} to the root of that checkpoint."
    ),
    "own_keys": mark.gettext("Checked with the keys you gave, none taken from the site."),
    "receipt_offline": mark.gettext(
        "Checked from the receipt with the keys you gave, with no network at all."
    ),
    "receipt_form": mark.gettext("the file is not a receipt (C2SP tlog-proof@v1)"),
    "receipt_line": mark.gettext("line {line} of the receipt cannot be read"),
    "receipt_unread": mark.gettext("the receipt file cannot be read"),
    "receipt_withheld": mark.gettext(
        "the receipt carries none of the entry's bytes (no extra line), so its content "
        "cannot be checked"
    ),
    "record": mark.gettext("The signed record"),
    "record_help": mark.gettext(
        "Compare these facts with what the site shows for this entry: the signature vouches "
        "for these, not for the site's pages."
    ),
    "record_json": mark.gettext("The whole record (JSON)"),
    "field_type": mark.gettext("Type"),
    "field_trip": mark.gettext("Trip id"),
    "field_time": mark.gettext("Recorded"),
    "field_source": mark.gettext("Source"),
    "field_seq": mark.gettext("Number at its source"),
    "footer": mark.gettext(
        "Keep this file and compare its SHA-256 with the one published by someone you trust. "
        "It never asks any site for code or keys."
    ),
}
