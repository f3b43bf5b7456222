// The standalone verifier's page, on the checks of verify_core.js (inlined before it). It
// holds no key and no site: the reader gives the site (where the data comes from), the
// trust policy and the source keys, and the entry to check; or, instead of the site and the
// entry, a receipt file (C2SP tlog-proof@v1), checked with no network at all.
"use strict";
(function () {
  const core = globalThis.PeriplusVerify;
  const { fail, fill } = core;
  const ALL = JSON.parse(document.getElementById("words").textContent);
  const KEPT = "periplus.verifier";
  const field = (id) => document.getElementById(id);
  let lang = "en";
  let words = ALL.en;
  const w = () => words.verifier;

  function kept() {
    let found = null;
    try { found = JSON.parse(localStorage.getItem(KEPT) || "null"); } catch (e) { return {}; }
    return found && typeof found === "object" ? found : {};
  }
  function keep(values) {
    try { localStorage.setItem(KEPT, JSON.stringify({ ...kept(), ...values })); } catch (e) { return false; }
    return true;
  }

  // --- Language: the reader's choice, else the browser's, else English ------------------

  function speak(code) {
    lang = Object.hasOwn(ALL, code) ? code : "en";  // a stored value may be anything
    words = ALL[lang];
    document.documentElement.lang = words.tag;
    document.title = w().title;
    for (const element of document.querySelectorAll("[data-w]")) {
      element.textContent = w()[element.dataset.w];
    }
    field("lang").value = lang;
  }

  const picker = field("lang");
  for (const code of Object.keys(ALL).sort()) {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = ALL[code].name;
    option.lang = ALL[code].tag;
    picker.append(option);
  }
  const browser = (navigator.language || "en").slice(0, 2).toLowerCase();
  speak(kept().lang || browser);
  picker.addEventListener("change", () => { speak(picker.value); keep({ lang }); warnUnranged(); });

  // --- What the reader gave --------------------------------------------------------------

  const text = (id) => field(id).value.replace(/\r\n?/g, "\n");
  // Every file a browser opens from disk shares one storage: another file could plant keys
  // there for this page to fill in. Keys are kept only where the file is hosted.
  const hosted = location.protocol === "https:" || location.protocol === "http:";
  const stored = hosted ? kept() : {};
  for (const id of ["site", "policy", "sources"]) {
    if (typeof stored[id] === "string") field(id).value = stored[id];
  }
  // A key line with no seq range is trusted for every seq of its source: said under the
  // field as the keys are typed, filled in or read in another language.
  let asked = 0;
  async function warnUnranged() {
    const mine = ++asked;
    let found = [];
    try { found = await core.unranged(policyText(), core.sourceLines(text("sources"))); } catch (e) { /* no check: no warning */ }
    if (mine !== asked) return;  // a later look is under way
    const note = field("unranged");
    note.hidden = !found.length;
    const keys = new Intl.ListFormat(lang, { type: "conjunction" }).format(found);
    note.textContent = found.length ? "⚠ " + fill(words.unranged, { keys }) : "";
  }
  for (const id of ["sources", "policy"]) field(id).addEventListener("input", warnUnranged);
  warnUnranged();
  if (!hosted) {
    field("save").hidden = field("forget").hidden = true;
    field("status").dataset.w = "from_disk";
    field("status").textContent = w().from_disk;
  }
  // A link to this file may name the entry to check: verifier.html#<trip page's entry address>.
  if (location.hash.length > 1) {
    try { field("entry").value = decodeURIComponent(location.hash.slice(1)); } catch (e) { /* left empty */ }
  }

  // The entry: an index, or a trip page's address ending with #entry-<index>, whose origin
  // is the site when none is given.
  function target() {
    const given = field("entry").value.trim();
    let site = field("site").value.trim();
    let index = /^[0-9]+$/.test(given) ? Number(given) : null;
    if (index === null) {
      let page = null;
      try { page = new URL(given); } catch (e) { fail("bad_entry"); }
      const found = /^#entry-([0-9]+)$/.exec(page.hash);
      if (!found) fail("bad_entry");
      index = Number(found[1]);
      if (!site) { site = page.origin; field("site").value = site; }
    }
    if (!Number.isSafeInteger(index)) fail("bad_entry");
    let address;
    try { address = new URL(site); } catch (e) { fail("bad_site"); }
    if (!["http:", "https:"].includes(address.protocol)) fail("bad_site");
    const base = (address.origin + address.pathname).replace(/\/+$/, "");
    return { base, index };
  }

  function policyText() {
    const policy = text("policy");
    return policy.endsWith("\n") ? policy : policy + "\n";
  }

  // --- The verdict, and the signed record beside it ---------------------------------------

  const explain = (e) => {
    const own = e instanceof core.Failure && e.message in w() && !(e.message in words.reasons);
    return own ? fill(w()[e.message], e.values) : core.explain(words, lang, e);
  };

  const show = (state, head, lines) => core.showVerdict(field("verdict"), state, head, lines);

  function day(value) {
    const moment = new Date(value);
    if (Number.isNaN(moment.getTime())) return String(value);
    const date = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(moment);
    return `${date} ${moment.toISOString().slice(11, 16)} UTC`;
  }

  // A signed value in plain text: an amount with its currency, an object as its fields
  // (those with a value), a list of objects one per line; the whole record is shown too.
  const money = (v) => Object.keys(v).sort().join() === "amount,currency";
  function plain(value) {
    if (value === null || typeof value !== "object") return String(value);
    if (Array.isArray(value)) {
      const objects = value.some((v) => v && typeof v === "object");
      return objects ? value.map((v) => "• " + plain(v)).join("\n") : value.map(plain).join(", ");
    }
    if (money(value)) return `${value.amount} ${value.currency}`;
    return Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${plain(v)}`).join("; ");
  }

  // The data's main fields: its values, and those of the objects it holds, one level down.
  function fieldsOf(data, prefix, depth, out) {
    for (const [name, value] of Object.entries(data || {})) {
      const nested = value && typeof value === "object" && !Array.isArray(value) && !money(value);
      if (nested && depth < 1) fieldsOf(value, prefix + name + ".", depth + 1, out);
      else out.push([prefix + name, plain(value)]);
    }
    return out;
  }

  function record(event) {
    const section = field("record");
    if (!event) { section.hidden = true; return; }
    const kind = words.types[event.type];
    const rows = [
      [w().field_type, kind ? `${kind} (${event.type})` : String(event.type)],
      [w().field_trip, String(event.trip_id)],
      [w().field_time, day(event.occurred_at)],
      [w().field_source, String(event.source)],
      [w().field_seq, String(event.seq)],
      ...fieldsOf(event.data, "", 0, []),
    ];
    const list = field("facts");
    list.replaceChildren();
    for (const [name, value] of rows) {
      const term = document.createElement("dt");
      term.textContent = name;
      const detail = document.createElement("dd");
      detail.textContent = value;
      list.append(term, detail);
    }
    field("json").textContent = JSON.stringify(event, null, 2);
    section.hidden = false;
  }

  // A receipt chosen: it is checked alone, and the site and the entry are not used.
  const receipt = () => (field("receipt").files || [])[0] || null;
  field("receipt").addEventListener("change", () => { field("drop").hidden = !receipt(); });
  field("drop").addEventListener("click", () => {
    field("receipt").value = "";
    field("drop").hidden = true;
  });

  // The receipt's bytes; a file larger than any receipt is not read.
  async function receiptBytes(file) {
    if (file.size > 8 * 1024 * 1024) fail("receipt_form");
    try { return new Uint8Array(await file.arrayBuffer()); } catch (e) { fail("receipt_unread"); }
  }

  async function check() {
    const file = receipt();
    if (file) {
      const bytes = await receiptBytes(file);
      const keys = await core.trustKeys({
        policy: policyText(), sources: core.sourceLines(text("sources")), rotations: [], ledgerSource: null,
      });
      const result = await core.verifyReceipt({ keys, bytes });
      return { index: result.index, result };
    }
    const { base, index } = target();
    if (!globalThis.crypto || !crypto.subtle) fail("crypto");
    const rotations = await core.rotationsAt(base);
    const keys = await core.trustKeys({
      policy: policyText(), sources: core.sourceLines(text("sources")), rotations, ledgerSource: null,
    });
    return { index, result: await core.verifyEntry({ base, keys, index }) };
  }

  field("check").addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const button = field("verify");
    const out = field("verdict");
    delete out.dataset.result;
    out.className = "verdict";
    out.textContent = words.checking;
    record(null);
    button.disabled = true;
    const closing = receipt() ? w().receipt_offline : w().own_keys;
    try {
      const { index, result } = await check();
      const { size, origin, witnesses } = result.checkpoint;
      const lines = [
        fill(w().checkpoint_ok, { size, origin }),
        witnesses.length ? fill(words.witnesses, { witnesses: new Intl.ListFormat(lang, { type: "conjunction" }).format(witnesses) }) : words.no_witness,
        fill(w().included, { index }),
      ];
      if (result.withheld) lines.push(words.withheld);
      else if (result.unsigned) lines.push(words.unsigned);
      else lines.push(fill(words.source, result.signer));
      lines.push(closing);
      const warn = result.unsigned;
      const head = fill(warn ? words.warn : words.ok, { index, size, origin });
      show(warn ? "warn" : "ok", (warn ? "⚠ " : "✓ ") + head, lines);
      record(result.event);
    } catch (e) {
      show("bad", "✗ " + fill(words.fail, { reason: explain(e) }), [closing]);
    } finally {
      button.disabled = false;
    }
  });

  field("save").addEventListener("click", async () => {
    const status = field("status");
    try {
      await core.parsePolicy(policyText());
      for (const line of core.sourceLines(text("sources"))) {
        if (!(await core.sourceKey(line))) fail("source_line", { key: line.trim() });
      }
      const values = { site: field("site").value.trim(), policy: policyText(), sources: text("sources") };
      status.textContent = keep(values) ? w().saved : w().not_saved;
    } catch (e) {
      status.textContent = explain(e);
    }
  });

  field("forget").addEventListener("click", () => {
    try { localStorage.removeItem(KEPT); } catch (e) { /* nothing was kept */ }
    for (const id of ["site", "policy", "sources"]) field(id).value = "";
    field("status").textContent = w().forgotten;
    warnUnranged();
  });
})();
