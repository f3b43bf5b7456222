// The trip page's verify buttons, on the checks of verify_core.js (served before it), with
// keys the deployment pins (or the reader's own), never with a key fetched from the server
// being checked; then what the page shows for the entry is compared with the signed
// record, fact by fact.
"use strict";
(function () {
  const core = globalThis.PeriplusVerify;
  const { fail, fill } = core;
  // The page's words (verdicts, reasons, quotation marks) come translated with the page.
  const words = JSON.parse(document.getElementById("verify-words").textContent);
  const lang = document.documentElement.lang || "en";
  const pinned = JSON.parse(document.getElementById("trust").textContent);
  const OWN = "periplus.own-keys";

  const quote = (text) => words.quotes[0] + text + words.quotes[1];
  const list = (items) => new Intl.ListFormat(lang, { type: "conjunction" }).format(items);

  function storedKeys() {
    let own = null;
    try { own = JSON.parse(localStorage.getItem(OWN) || "null"); } catch (e) { return null; }
    return own && typeof own.policy === "string" && typeof own.sources === "string" ? own : null;
  }

  async function keysInUse() {
    const own = storedKeys();
    const keys = await core.trustKeys({
      policy: own ? own.policy : pinned.policy,
      sources: own ? core.sourceLines(own.sources) : Object.values(pinned.sources).flat(),
      rotations: pinned.rotations || [],
      ledgerSource: pinned.ledger_source,
    });
    return { own: Boolean(own), ...keys };
  }

  // --- What the page shows: compared with the signed record ----------------------------

  function lookup(event, path) {
    let value = event;
    for (const part of path.split(".")) {
      if (value === null || typeof value !== "object" || !(part in value)) return undefined;
      value = value[part];
    }
    return value;
  }

  function equal(a, b) {
    if (a === b) return true;
    if (!a || !b || typeof a !== "object" || typeof b !== "object") return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    return Array.isArray(a) === Array.isArray(b) && ka.length === kb.length
      && ka.every((k) => equal(a[k], b[k]));
  }

  // A signed value as the reader would see it on the page.
  function display(kind, value) {
    const day = (moment) => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(moment);
    try {
      if (kind === "money" && value && typeof value === "object") {
        const money = new Intl.NumberFormat(lang, { style: "currency", currency: value.currency });
        return money.format(Number(value.amount));
      }
      if (kind === "date") return day(new Date(value + "T00:00:00Z"));
      if (kind === "time") {
        const moment = new Date(value);
        return `${day(moment)} ${moment.toISOString().slice(11, 16)} UTC`;
      }
    } catch (e) { /* an unusual value is shown as it is signed */ }
    if (kind === "type") return words.types[value] || String(value);
    if (kind === "followup") return words.followup[value] || String(value);
    if (kind === "text") return quote(String(value));
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  // The digits of a text in order: what an amount, a date or a time says, whatever the
  // separators, spaces or symbols of the formatter that wrote it.
  const digits = (text) => String(text).replace(/[^0-9]+/g, "");
  const plain = (text) => String(text).toLowerCase().replace(/[.\s]/g, "");

  // An amount says its digits, its decimals where this language puts them, and its currency
  // (its symbol or its code): "€100,000" does not say €1,000.00, nor "$1,000.00".
  function amountSays(seen, signed) {
    const format = new Intl.NumberFormat(lang, { style: "currency", currency: signed.currency });
    const amount = Number(signed.amount);
    const parts = format.formatToParts(amount);
    const part = (type) => (parts.find((p) => p.type === type) || {}).value || "";
    const symbol = part("currency");
    if (!(symbol && seen.includes(symbol)) && !seen.includes(signed.currency)) return false;
    const decimal = part("decimal");
    const pieces = decimal ? seen.split(decimal) : [seen];
    const fraction = pieces.length > 1 ? digits(pieces[pieces.length - 1]) : "";
    return fraction === part("fraction") && digits(seen) === digits(format.format(amount));
  }

  // A date (or a time) says its digits and, where this language names the month, the
  // month's name: its first four letters, as the two formatters may end it otherwise.
  function daySays(seen, moment, shown) {
    if (digits(seen) !== digits(shown)) return false;
    const parts = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" })
      .formatToParts(moment);
    const month = (parts.find((p) => p.type === "month") || {}).value || "";
    return !/\p{L}/u.test(month) || plain(seen).includes(plain(month).slice(0, 4));
  }

  // Whether the text the reader sees says the signed value. Amounts, dates and times are
  // formatted on the server and here by two libraries that may space or abbreviate
  // differently, but never write other digits, decimals, currencies or months; words and
  // ids must match exactly. The kind of entry is a sentence on the page: its marked value is
  // what is checked. A kind this script does not know says nothing it can check: refused.
  function says(kind, seen, signed) {
    if (kind === "text" || kind === "id") return seen === String(signed);
    try {
      if (kind === "money") return Boolean(signed) && amountSays(seen, signed);
      if (kind === "date") return daySays(seen, new Date(signed + "T00:00:00Z"), display(kind, signed));
      if (kind === "time") return daySays(seen, new Date(signed), display(kind, signed));
    } catch (e) {
      return false;  // a value no formatter takes is not shown as it is signed
    }
    if (kind === "number") return digits(seen) === digits(display(kind, signed)) && /\d/.test(seen);
    if (kind === "followup") return seen === display(kind, signed);
    if (kind === "list") return Array.isArray(signed) && seen === signed.map(String).join(", ");
    return kind === "type";
  }

  // Every fact the page marks for this entry: in its own row, and elsewhere by data-entry.
  function differences(button, index, event) {
    const row = button.closest("tr");
    const marked = new Set([
      ...(row ? row.querySelectorAll("[data-fact]") : []),
      ...document.querySelectorAll(`[data-entry="${index}"][data-fact]`),
    ]);
    const found = [];
    for (const element of marked) {
      const kind = element.dataset.kind;
      const seen = element.textContent.trim();
      let value;
      try { value = JSON.parse(element.dataset.value); } catch (e) { value = undefined; }
      const signed = lookup(event, element.dataset.fact);
      if (equal(value, signed) && says(kind, seen, signed)) continue;
      const values = { what: element.dataset.label, shown: kind === "text" ? quote(seen) : seen };
      found.push(signed === undefined ? fill(words.missing, values)
        : fill(words.differs, { ...values, signed: display(kind, signed) }));
    }
    return found;
  }

  async function verify(button) {
    if (!window.crypto || !crypto.subtle) fail("crypto");
    const keys = await keysInUse();
    const index = Number(button.dataset.index);
    const withheld = button.dataset.type === "withheld";
    const result = await core.verifyEntry({ base: "", keys, index, withheld });
    if (result.event === null) return result;
    const found = differences(button, index, result.event);
    if (found.length) fail("differs", { list: found.join("; ") });
    return result;
  }

  // --- Showing the verdict --------------------------------------------------------------

  const explain = (e) => core.explain(words, lang, e);

  const show = core.showVerdict;

  function inUse() {
    const own = storedKeys() !== null;
    const note = document.getElementById("keys-in-use");
    note.textContent = own ? words.own_in_use : words.pinned_in_use;
    note.hidden = false;
    return own;
  }

  for (const button of document.querySelectorAll("button.verify")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const out = document.getElementById("verdict-" + button.dataset.index);
      delete out.dataset.result;
      out.className = "verdict";
      out.textContent = words.checking;
      button.disabled = true;
      const set = inUse() ? words.own_set : words.pinned_set;
      try {
        const r = await verify(button);
        const { size, origin, witnesses } = r.checkpoint;
        const lines = [witnesses.length ? fill(words.witnesses, { witnesses: list(witnesses) }) : words.no_witness];
        if (r.withheld) lines.push(words.withheld);
        else if (r.unsigned) lines.push(words.unsigned, words.matches);
        else lines.push(fill(words.source, r.signer), words.matches);
        lines.push(set);
        const head = fill(r.unsigned ? words.warn : words.ok, { index: button.dataset.index, size, origin });
        show(out, r.unsigned ? "warn" : "ok", (r.unsigned ? "⚠ " : "✓ ") + head, lines);
      } catch (e) {
        show(out, "bad", "✗ " + fill(words.fail, { reason: explain(e) }), [set]);
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- The reader's own keys -----------------------------------------------------------

  const form = document.getElementById("own-keys");
  if (form) {
    const policyField = document.getElementById("own-policy");
    const sourcesField = document.getElementById("own-sources");
    const status = document.getElementById("own-status");
    const stored = storedKeys();
    if (stored) { policyField.value = stored.policy; sourcesField.value = stored.sources; }
    form.hidden = false;
    inUse();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let policy = policyField.value.replace(/\r\n?/g, "\n");
      if (!policy.endsWith("\n")) policy += "\n";
      const own = { policy, sources: sourcesField.value.replace(/\r\n?/g, "\n") };
      try {
        await core.parsePolicy(own.policy);
        for (const line of core.sourceLines(own.sources)) {
          if (!(await core.sourceKey(line))) fail("source_line", { key: line.trim() });
        }
        localStorage.setItem(OWN, JSON.stringify(own));
        // A key line with no seqs is trusted for every seq of its source: said with the rest.
        const bare = await core.unranged(own.policy, core.sourceLines(own.sources));
        const keys = list(bare);
        status.textContent = words.own_saved + (bare.length ? " ⚠ " + fill(words.unranged, { keys }) : "");
      } catch (e) {
        status.textContent = explain(e);
      }
      inUse();
    });
    document.getElementById("own-forget").addEventListener("click", () => {
      try { localStorage.removeItem(OWN); } catch (e) { /* nothing was kept */ }
      policyField.value = "";
      sourcesField.value = "";
      status.textContent = words.own_forgotten;
      inUse();
    });
  }
})();
