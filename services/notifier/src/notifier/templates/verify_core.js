// The checks of a ledger entry, with no page of their own: the trip pages' verify buttons
// and the standalone verifier a reader keeps both run them, with keys the reader trusts
// (pinned by the site, or the reader's own), never with a key fetched from the server
// being checked:
//   1. the checkpoint is signed by a log of the trust policy (C2SP tlog-policy, Ed25519),
//      or by a key its rotation statements, each signed by both keys, lead to from one;
//   2. the witnesses' cosignatures (C2SP cosignature/v1) meet the policy's quorum;
//   3. the RFC 9162 inclusion proof leads from the entry's leaf to the signed root; an
//      entry withheld under law needs the ledger's public notice, proven the same way;
//   4. the leaf carries its source's Ed25519 signature under a source key in use.
// A receipt (C2SP tlog-proof@v1) a reader keeps carries the leaf, the proof and the signed
// checkpoint: the same checks run on it with no network at all.
// What a page shows is compared with the signed record by the page's own script.
"use strict";
globalThis.PeriplusVerify = (function () {
  const UNSIGNED_SPEC = "periplus.event/1";
  const SPEC = "periplus.event/2";
  const NOTICE = "entry.withheld";
  // The ledger's own notices, as `ledger verify` takes them: signed by a log key under its
  // source's name, whatever they say (a withholding, or a seq it moved past).
  const NOTICES = new Set([NOTICE, "source.seq_resolved"]);
  const LOG_KEY = 0x01;
  const COSIGNER_KEY = 0x04;
  const MAX_SIGNATURES = 100;  // C2SP signed-note: a verifier's limit, of at least 16
  const ROTATION = "periplus.key-rotation/1";
  const RECEIPT = "c2sp.org/tlog-proof@v1";

  class Failure extends Error {
    constructor(reason, values) { super(reason); this.values = values || {}; }
  }
  const fail = (reason, values) => { throw new Failure(reason, values); };
  const fill = (template, values) =>
    template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));

  const enc = new TextEncoder();
  // Standard base64 with its padding, as Go's and Python's strict decoders read it; atob
  // alone would also take missing padding and skip whitespace.
  const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const b64 = (s) => {
    if (typeof s !== "string" || !B64.test(s)) throw new TypeError("not base64");
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  };
  // UTF-8 exactly: no bytes replaced, and a byte-order mark kept to be refused.
  const utf8 = (bytes) => new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  // Base64 in its one canonical spelling (unused bits zero), as the ledger's parser takes
  // a receipt's values: null otherwise.
  const canonical = (s) => {
    let raw;
    try { raw = b64(s); } catch (e) { return null; }
    let text = "";
    for (let i = 0; i < raw.length; i += 8192) text += String.fromCharCode(...raw.subarray(i, i + 8192));
    return btoa(text) === s ? raw : null;
  };
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const cat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const nodeHash = (l, r) => sha256(cat(Uint8Array.of(1), l, r));

  async function ed25519(key, signature, message) {
    let imported;
    try {
      imported = await crypto.subtle.importKey("raw", key, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) { fail("crypto"); }
    try {
      return await crypto.subtle.verify({ name: "Ed25519" }, imported, signature, message);
    } catch (e) { return false; }
  }

  // An answer must come whole within TIMEOUT_MS and hold at most MAX_BYTES (one entry, a
  // proof, a note or the rotations are far smaller), or a site that drips its answers or
  // floods them would leave the check waiting for ever, or the page out of memory.
  const TIMEOUT_MS = 30000;
  const MAX_BYTES = 8 * 1024 * 1024;

  async function bounded(response) {
    const reader = response.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_BYTES) { reader.cancel(); throw new RangeError("answer too large"); }
      chunks.push(value);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
    return out;
  }

  // `base` is "" for the site's own pages, else the address the reader gave: where the
  // data comes from, never what it is checked with.
  async function get(base, path, kind) {
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), TIMEOUT_MS);
    try {
      let response, bytes;
      try {
        response = await fetch(base + path, { cache: "no-store", signal: stop.signal });
      } catch (e) { fail("network"); }
      if (!response.ok) fail(response.status === 400 ? "pending" : "network");
      try { bytes = await bounded(response); } catch (e) { fail("network"); }
      if (kind !== "json") return bytes;
      try { return JSON.parse(new TextDecoder().decode(bytes)); } catch (e) { fail("network"); }
    } finally {
      clearTimeout(timer);
      stop.abort();
    }
  }

  // --- Keys: C2SP vkeys, tlog-policy, and the set in use ---------------------------------

  // A key name of C2SP signed-note: not empty, with no space and no "+".
  const keyName = (name) => name !== "" && !/[\s+]/.test(name);

  // `<name>+<8 hex key id>+<base64(type || key)>`; null unless well formed with its true id.
  // Base64 may hold "+", so only the first two split.
  async function vkey(text, type) {
    const line = text.trim();
    const first = line.indexOf("+");
    const second = line.indexOf("+", first + 1);
    if (first < 1 || second < 0) return null;
    const name = line.slice(0, first);
    if (!keyName(name) || !/^[0-9a-f]{8}$/.test(line.slice(first + 1, second))) return null;
    let raw;
    try { raw = b64(line.slice(second + 1)); } catch (e) { return null; }
    if (raw.length !== 33 || raw[0] !== type) return null;
    const key = raw.slice(1);
    const id = await keyId(name, type, key);
    return hex(id) === line.slice(first + 1, second) ? { name, id, key } : null;
  }
  const keyId = async (name, type, key) =>
    (await sha256(cat(enc.encode(name + "\n"), Uint8Array.of(type), key))).slice(0, 4);

  async function parsePolicy(text) {
    const policy = { logs: [], witnesses: new Map(), groups: new Map(), quorum: null };
    const named = new Set();
    const grouped = new Set();
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const bad = () => fail("policy_line", { line: i + 1 });
      if (/[\x00-\x08\x0a-\x1f\x7f]/.test(lines[i])) bad();
      const [keyword, ...args] = lines[i].split(/[ \t]+/).filter(Boolean);
      if (keyword === undefined || keyword.startsWith("#")) continue;
      if (keyword === "log" && (args.length === 1 || args.length === 2)) {
        const key = await vkey(args[0], LOG_KEY);
        if (!key || policy.logs.some((k) => same(k.key, key.key))) bad();
        policy.logs.push(key);
      } else if (keyword === "witness" && (args.length === 2 || args.length === 3)) {
        const key = await vkey(args[1], COSIGNER_KEY);
        if (!key || args[0] === "none" || named.has(args[0])) bad();
        if ([...policy.witnesses.values()].some((w) => same(w.key, key.key))) bad();
        policy.witnesses.set(args[0], key);
        named.add(args[0]);
      } else if (keyword === "group" && args.length >= 3) {
        const [name, k, ...members] = args;
        if (name === "none" || named.has(name)) bad();
        for (const member of members) {
          if (!named.has(member) || grouped.has(member)) bad();
          grouped.add(member);
        }
        let threshold = /^[0-9]+$/.test(k) ? Number(k) : 0;
        if (k === "all") threshold = members.length;
        if (k === "any") threshold = 1;
        if (threshold < 1 || threshold > members.length) bad();
        policy.groups.set(name, { threshold, members });
        named.add(name);
      } else if (keyword === "quorum" && args.length === 1) {
        if (policy.quorum !== null || (args[0] !== "none" && !named.has(args[0]))) bad();
        policy.quorum = args[0];
      } else {
        bad();
      }
    }
    if (policy.quorum === null) fail("policy_quorum");
    return policy;
  }

  function satisfied(policy, cosigned) {
    const witnessed = (name) => {
      const group = policy.groups.get(name);
      if (!group) return cosigned.has(name);
      return group.members.filter(witnessed).length >= group.threshold;
    };
    return policy.quorum === "none" || witnessed(policy.quorum);
  }

  const sourceLines = (text) => text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));

  // A source key and the seqs it may sign: pinned as {key, first, last}, or a line of the
  // reader's own, `<vkey>` or `<vkey> <first>-[<last>]` (a key a rotation retired at <last>).
  // `ranged` says whether the seqs were given: a bare `<vkey>` is taken for every seq.
  async function sourceKey(line) {
    let text = line, first = 1, last = null, ranged = true;
    if (typeof line === "string") {
      const [written, span, ...rest] = line.trim().split(/[ \t]+/);
      const range = /^([1-9][0-9]*)-([1-9][0-9]*)?$/.exec(span || "1-");
      if (rest.length || !range) return null;
      text = written;
      first = Number(range[1]);
      last = range[2] === undefined ? null : Number(range[2]);
      ranged = span !== undefined;
    } else if (line && typeof line === "object") {
      ({ key: text, first, last } = line);
    }
    const key = await vkey(String(text), LOG_KEY);
    const seq = (n) => Number.isSafeInteger(n) && n >= 1;
    if (!key || !seq(first) || !(last === null || (seq(last) && last >= first))) return null;
    return { ...key, first, last, ranged };
  }

  // The reader's key lines that give no seq range, as `<name>+<key id>`, but the ledger's
  // own (a log key of the policy, which vouches for its notices whatever the range). Each
  // is trusted for every seq of its source: a retired key for those after its retirement,
  // a new key for those before it took over.
  async function unranged(policyText, lines) {
    let logs = [];
    try { logs = (await parsePolicy(policyText)).logs; } catch (e) { /* none to leave out */ }
    const found = [];
    for (const line of lines) {
      const key = typeof line === "string" ? await sourceKey(line) : null;
      if (key && !key.ranged && !logs.some((log) => same(log.key, key.key))) {
        found.push(`${key.name}+${hex(key.id)}`);
      }
    }
    return found;
  }

  // --- Key rotations: statements signed by both keys ------------------------------------

  // The body: the header, the origin, `old <vkey>`, `new <vkey>`, the last size the old key
  // signed and (in statements that name it) that checkpoint's root.
  async function rotation(text) {
    const bad = () => fail("rotation");
    const { body, signatures } = splitNote(enc.encode(String(text)));
    const lines = body.split("\n");
    if (lines.length < 6 || lines[0] !== ROTATION) bad();
    if (!lines[2].startsWith("old ") || !lines[3].startsWith("new ")) bad();
    const old = await vkey(lines[2].slice(4), LOG_KEY);
    const next = await vkey(lines[3].slice(4), LOG_KEY);
    if (!old || !next || old.name !== lines[1] || next.name !== lines[1]) bad();
    if (same(old.key, next.key) || !/^(0|[1-9][0-9]*)$/.test(lines[4])) bad();
    if (!Number.isSafeInteger(Number(lines[4]))) bad();
    let root = null;
    if (lines.length > 6 && lines[5] !== "") {
      try { root = b64(lines[5]); } catch (e) { bad(); }
      if (root.length !== 32) bad();
    }
    for (const key of [old, next]) {
      const found = signatures.find((s) => s.name === key.name && same(s.sig.slice(0, 4), key.id));
      if (!found || found.sig.length !== 68) bad();
      if (!(await ed25519(key.key, found.sig.slice(4), enc.encode(body)))) bad();
    }
    return { old, next, size: Number(lines[4]), root };
  }

  // Every key of the log, followed from the policy's as `ledger verify` follows them: the
  // statements make one line of keys, each retired no earlier than the one before; a key
  // retired at size N vouches for no larger tree, nor for another root of size N.
  async function followRotations(logs, statements) {
    const parsed = [];
    for (const text of statements) parsed.push(await rotation(text));
    const byOld = new Map(parsed.map((r) => [hex(r.old.key), r]));
    const byNew = new Map(parsed.map((r) => [hex(r.next.key), r]));
    if (byOld.size !== parsed.length || byNew.size !== parsed.length) fail("rotation");
    const reach = (k) => (k.limit === null ? Infinity : k.limit);
    const keys = new Map();
    const keep = (key) => {
      const known = keys.get(hex(key.key));
      if (!known || reach(key) < reach(known)) keys.set(hex(key.key), key);
    };
    for (const trusted of logs) {
      let first = trusted;
      const seen = new Set([hex(trusted.key)]);
      while (byNew.has(hex(first.key))) {
        first = byNew.get(hex(first.key)).old;
        if (seen.has(hex(first.key))) fail("rotation");
        seen.add(hex(first.key));
      }
      let key = first, last = 0;
      while (byOld.has(hex(key.key))) {
        const r = byOld.get(hex(key.key));
        if (r.size < last) fail("rotation");
        last = r.size;
        keep({ ...key, limit: r.size, root: r.root });
        key = r.next;
      }
      keep({ ...key, limit: null, root: null });
    }
    return [...keys.values()];
  }

  // The keys to check with: a policy's logs followed through rotation statements (each
  // checked under both keys, so they may come from anyone), the sources' keys (lines of a
  // reader or pinned {key, first, last}), and the name under which the ledger signs its
  // notices. Without that name, it is the name of a source key that is a log key itself.
  async function trustKeys({ policy: text, sources: lines, rotations, ledgerSource }) {
    const policy = await parsePolicy(text);
    policy.logs = await followRotations(policy.logs, rotations || []);
    const sources = new Map();
    const add = (key) => {
      const known = sources.get(key.name) || [];
      if (!known.some((k) => same(k.id, key.id))) sources.set(key.name, [...known, key]);
    };
    for (const line of lines) {
      const key = await sourceKey(line);
      if (!key) fail("source_line", { key: typeof line === "string" ? line.trim() : String(line.key) });
      add(key);
    }
    let name = ledgerSource || null;
    if (name === null) {
      const logs = policy.logs.map((k) => hex(k.key));
      const named = [...sources].filter(([, keys]) => keys.some((k) => logs.includes(hex(k.key))));
      if (named.length === 1) name = named[0][0];
    }
    // The ledger's own notices (withholdings, seqs it moved past) are signed by a log key of
    // the policy under its source's name, and by no other key under that name.
    const ledger = [];
    for (const log of name === null ? [] : policy.logs) {
      const id = await keyId(name, LOG_KEY, log.key);
      ledger.push({ name, id, key: log.key, first: 1, last: null });
    }
    return { policy, sources, ledger, ledgerSource: name };
  }

  // --- The checkpoint: log signature, then witnesses ------------------------------------

  // C2SP signed-note: UTF-8 text with no control character but the newline, a blank line,
  // then at most MAX_SIGNATURES lines `— <key name> <base64(key id || signature)>`.
  function splitNote(bytes) {
    let note;
    try { note = utf8(bytes); } catch (e) { fail("note"); }
    const cut = note.lastIndexOf("\n\n");
    if (/[\x00-\x09\x0b-\x1f]/.test(note) || cut < 1 || !note.endsWith("\n")) fail("note");
    const lines = note.slice(cut + 2, -1).split("\n");
    if (lines.length > MAX_SIGNATURES) fail("note");
    const signatures = [];
    for (const line of lines) {
      const space = line.lastIndexOf(" ");
      const name = line.slice(2, space);
      if (!line.startsWith("\u2014 ") || space < 2 || !keyName(name)) fail("note");
      let sig;
      try { sig = b64(line.slice(space + 1)); } catch (e) { fail("note"); }
      if (sig.length < 5) fail("note");
      signatures.push({ name, sig });
    }
    return { body: note.slice(0, cut + 1), signatures };
  }

  // C2SP tlog-checkpoint: origin, size (ASCII decimal, no leading zero), root, then
  // extension lines, none of them empty.
  async function openCheckpoint(keys, note) {
    const { body, signatures } = splitNote(note);
    const lines = body.split("\n");
    const [origin, size, root] = lines;
    if (lines.length < 4 || !origin || !/^(0|[1-9][0-9]*)$/.test(size)) fail("note");
    if (!Number.isSafeInteger(Number(size)) || lines.slice(3, -1).includes("")) fail("note");
    let rootHash;
    try { rootHash = b64(root); } catch (e) { fail("note"); }
    if (rootHash.length !== 32) fail("note");
    const logs = keys.policy.logs.filter((k) => k.name === origin);
    if (!logs.length) fail("origin", { origin });
    let signed = false;
    for (const { name, sig } of signatures) {
      for (const log of logs) {
        if (name !== log.name || !same(sig.slice(0, 4), log.id)) continue;
        const valid = sig.length === 68 && (await ed25519(log.key, sig.slice(4), enc.encode(body)));
        if (!valid) fail("log_sig", { origin });
        const limit = log.limit === undefined ? null : log.limit;
        if (limit !== null && (Number(size) > limit || (Number(size) === limit && log.root && !same(rootHash, log.root)))) {
          fail("retired", { origin, size: limit });
        }
        signed = true;
      }
    }
    if (!signed) {
      const other = signatures.find((s) => s.name === origin);
      const inUse = logs.map((k) => hex(k.id)).join(", ");
      if (other) fail("stale", { origin, found: hex(other.sig.slice(0, 4)), pinned: inUse });
      fail("unsigned_checkpoint", { origin });
    }
    const cosigned = new Map();  // policy name -> the witness key's own name
    for (const [name, witness] of keys.policy.witnesses) {
      for (const { name: signer, sig } of signatures) {
        if (signer !== witness.name || !same(sig.slice(0, 4), witness.id)) continue;
        const time = sig.length === 76 ? new DataView(sig.buffer, 4, 8).getBigUint64(0) : 0n;
        const message = enc.encode(`cosignature/v1\ntime ${time}\n${body}`);
        const valid = time >= 1n && time < 2n ** 63n && (await ed25519(witness.key, sig.slice(12), message));
        if (!valid) fail("cosig", { name: witness.name });
        cosigned.set(name, witness.name);
      }
    }
    if (!satisfied(keys.policy, new Set(cosigned.keys()))) {
      const quorum = keys.policy.quorum;
      if (!cosigned.size) fail("uncosigned", { quorum });
      fail("quorum", { have: [...cosigned.values()], quorum });
    }
    return { origin, size: Number(size), root: rootHash, witnesses: [...cosigned.values()] };
  }

  // RFC 9162, section 2.1.3.2; halving by division keeps indexes above 2^31 exact.
  async function rootFromProof(index, size, leafHash, path) {
    let fn = index, sn = size - 1, r = leafHash;
    for (const p of path) {
      if (sn === 0) fail("proof");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("proof");
    return r;
  }

  // The leaf hash is entry `index` of the signed checkpoint, by the proof `path`.
  async function included(checkpoint, index, leafHash, path) {
    if (!(index >= 0 && index < checkpoint.size)) fail("proof");
    const root = await rootFromProof(index, checkpoint.size, leafHash, path);
    if (!same(root, checkpoint.root)) fail("proof");
  }

  // --- The entry: its source's signature, then what the page shows ----------------------

  // The source signed the RFC 8785 bytes without `sig`. Keys are sorted there, so the
  // top-level member is the last `,"sig":"…"` and is followed by `,"source":`.
  async function checkSource(keys, text, event) {
    if (event.spec === UNSIGNED_SPEC && !("sig" in event)) return null;
    if (event.spec !== SPEC) fail("spec", { spec: String(event.spec) });
    let sig;
    try { sig = b64(event.sig); } catch (e) { fail("source_form"); }
    const member = `,"sig":${JSON.stringify(event.sig)}`;
    const at = text.lastIndexOf(member + ',"source":');
    if (sig.length !== 68 || at < 0) fail("source_form");
    const signed = enc.encode(text.slice(0, at) + text.slice(at + member.length));
    const source = String(event.source);
    const ledger = keys.ledgerSource;
    const notice = NOTICES.has(event.type);
    if (ledger === null) {
      if (notice) fail("source_none", { source });
    } else {
      if (notice && source !== ledger) fail("notice_source", { ledger, source });
      if (!notice && source === ledger) fail("ledger_speaks", { ledger });
    }
    const candidates = source === ledger ? keys.ledger : keys.sources.get(source) || [];
    if (!candidates.length) fail("source_none", { source });
    const key = candidates.find((k) => same(k.id, sig.slice(0, 4)));
    if (!key) fail("source_key", { key: hex(sig.slice(0, 4)), source });
    const seq = Number(event.seq);
    if (!(seq >= key.first && (key.last === null || seq <= key.last))) {
      const values = { key: hex(key.id), source, seq: String(event.seq), first: key.first };
      fail(key.last === null ? "source_before" : "source_retired", { ...values, last: key.last });
    }
    if (!(await ed25519(key.key, sig.slice(4), signed))) {
      fail("source_sig", { key: hex(key.id), source });
    }
    return { source, key_id: hex(key.id) };
  }

  // An entry of the signed checkpoint, proven by its inclusion proof: its leaf bytes (null
  // when withheld under law: the bytes are gone, the tree still proves the entry's hash).
  async function proven(base, checkpoint, index) {
    const [entries, proof] = await Promise.all([
      get(base, `/v1/verify/entries?start=${index}&end=${index + 1}`, "json"),
      get(base, `/v1/verify/proof/inclusion?index=${index}&tree_size=${checkpoint.size}`, "json"),
    ]);
    const entry = (entries.entries || [])[0];
    if (!entry || entry.index !== index) fail("leaf");
    const withheld = entry.withheld || null;
    let leaf = null, leafHash;
    try {
      leaf = withheld ? null : b64(entry.leaf);
      leafHash = withheld ? b64(entry.leaf_hash) : await sha256(cat(Uint8Array.of(0), leaf));
    } catch (e) { fail("leaf"); }
    let path;
    try {
      if (!same(leafHash, b64(proof.leaf_hash))) fail("leaf");
      path = (proof.hashes || []).map(b64);
    } catch (e) { fail(e instanceof Failure ? e.message : "proof"); }
    await included(checkpoint, index, leafHash, path);
    return { withheld, leaf, leafHash };
  }

  // RFC 8785: members sorted by their UTF-16 code units, no space, strings and numbers as
  // JSON.stringify writes them; a lone surrogate or an integer past 2^53 has no such form.
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  function jcs(value) {
    const none = () => { throw new RangeError("no RFC 8785 form"); };
    if (typeof value === "string") return LONE.test(value) ? none() : JSON.stringify(value);
    if (typeof value === "number") {
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) none();
      return JSON.stringify(value);
    }
    if (value === null || typeof value === "boolean") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
    return "{" + Object.keys(value).sort().map((k) => jcs(k) + ":" + jcs(value[k])).join(",") + "}";
  }

  // A leaf is its event's RFC 8785 bytes and nothing else, as the ledger reads it: other
  // bytes (a member twice, which JSON.parse takes the last of) would show what the
  // source's signature on them need not mean.
  function readEvent(leaf) {
    let text, event;
    try {
      text = utf8(leaf);
      event = JSON.parse(text);
      if (jcs(event) !== text) fail("leaf");
    } catch (e) { fail("leaf"); }
    if (!event || typeof event !== "object") fail("leaf");
    return { text, event };
  }

  // Bytes are withheld under law only in public: the ledger appends a notice, at a later
  // index, signed by a log key under its own source's name, naming the entry and its leaf
  // hash. Without one, an empty leaf with its true hash would pass for any entry the ledger
  // (or anyone between it and this page) chose to hide.
  async function checkNotice(base, keys, checkpoint, index, leafHash, withheld) {
    const at = withheld.notice_index;
    if (!Number.isSafeInteger(at) || at <= index) fail("withheld_unannounced");
    if (at >= checkpoint.size) fail("notice_pending", { notice: at });
    const refused = (e) => fail("notice_refused", { notice: at, reason: e });
    let notice;
    try { notice = await proven(base, checkpoint, at); } catch (e) { refused(e); }
    if (notice.leaf === null) fail("withheld_unannounced");
    let text, event;
    try { ({ text, event } = readEvent(notice.leaf)); } catch (e) { fail("withheld_unannounced"); }
    const data = event.data;
    if (event.type !== NOTICE || !data || typeof data !== "object" || data.index !== index
        || data.leaf_hash !== hex(leafHash)) fail("withheld_unannounced");
    let signer;
    try { signer = await checkSource(keys, text, event); } catch (e) { refused(e); }
    if (signer === null) fail("notice_unsigned", { notice: at });
  }

  // The whole check of entry `index` at `base`, up to its source's signature. `withheld`,
  // where a page says whether it shows the entry as withheld, must agree with the ledger.
  // The event is returned for the caller to compare with what it shows.
  async function verifyEntry({ base, keys, index, withheld }) {
    if (!globalThis.crypto || !crypto.subtle) fail("crypto");
    const checkpoint = await openCheckpoint(keys, await get(base, "/v1/verify/checkpoint"));
    if (index >= checkpoint.size) fail("pending");
    const proof = await proven(base, checkpoint, index);
    if (withheld !== undefined && Boolean(proof.withheld) !== withheld) {
      fail(proof.withheld ? "withheld_now" : "not_withheld");
    }
    const result = {
      checkpoint, withheld: Boolean(proof.withheld), signer: null, unsigned: false, event: null,
    };
    if (proof.withheld) {
      await checkNotice(base, keys, checkpoint, index, proof.leafHash, proof.withheld);
      return result;
    }
    const { text, event } = readEvent(proof.leaf);
    result.signer = await checkSource(keys, text, event);
    result.unsigned = result.signer === null;
    result.event = event;
    return result;
  }

  // --- A receipt: C2SP tlog-proof@v1, checked offline ---------------------------------

  // The header line, `extra <base64>` (the entry's leaf bytes; absent when withheld),
  // `index <decimal>` with no leading zero, one 32-byte proof hash per line in canonical
  // base64, a blank line, then the signed checkpoint verbatim.
  function parseReceipt(bytes) {
    let text;
    try { text = utf8(bytes); } catch (e) { fail("receipt_form"); }
    const cut = text.indexOf("\n\n");
    if (cut < 0) fail("receipt_form");
    const lines = text.slice(0, cut).split("\n");
    const bad = (at) => fail("receipt_line", { line: at + 1 });
    if (lines[0] !== RECEIPT) bad(0);
    let at = 1, extra = null;
    if (at < lines.length && lines[at].startsWith("extra ")) {
      extra = canonical(lines[at].slice(6));
      if (extra === null) bad(at);
      at++;
    }
    const index = at < lines.length && lines[at].startsWith("index ") ? lines[at].slice(6) : "";
    if (!/^(0|[1-9][0-9]*)$/.test(index) || !Number.isSafeInteger(Number(index))) bad(at);
    const proof = [];
    for (let i = at + 1; i < lines.length; i++) {
      const hash = canonical(lines[i]);
      if (hash === null || hash.length !== 32) bad(i);
      proof.push(hash);
    }
    return { extra, index: Number(index), proof, checkpoint: enc.encode(text.slice(cut + 2)) };
  }

  // The whole check of a receipt's bytes, as verifyEntry's of an entry at a site: the
  // checkpoint under the policy, the proof from the leaf (its `extra`) to the signed root,
  // then the source's signature. The extra data is not trusted: it is what is proven.
  async function verifyReceipt({ keys, bytes }) {
    if (!globalThis.crypto || !crypto.subtle) fail("crypto");
    const receipt = parseReceipt(bytes);
    if (receipt.extra === null) fail("receipt_withheld");
    const checkpoint = await openCheckpoint(keys, receipt.checkpoint);
    const leafHash = await sha256(cat(Uint8Array.of(0), receipt.extra));
    await included(checkpoint, receipt.index, leafHash, receipt.proof);
    const { text, event } = readEvent(receipt.extra);
    const signer = await checkSource(keys, text, event);
    return {
      index: receipt.index, checkpoint, withheld: false, signer, unsigned: signer === null, event,
    };
  }

  // The log's key rotation statements as the ledger serves them; trustKeys checks each.
  async function rotationsAt(base) {
    const answer = await get(base, "/v1/verify/keys", "json");
    const found = answer && Array.isArray(answer.rotations) ? answer.rotations : fail("rotation");
    return found.map((r) => String(r && r.statement));
  }

  // A verdict drawn into `out`, the element a page keeps for it: a head line and one item a
  // line, as text (nothing fetched is ever markup); `state` is ok, warn or bad.
  function showVerdict(out, state, head, lines) {
    const title = document.createElement("p");
    title.textContent = head;
    const items = document.createElement("ul");
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line;
      items.append(item);
    }
    out.replaceChildren(title, items);
    out.className = `verdict ${state}`;
    out.dataset.result = state === "bad" ? "fail" : state;
  }

  // A failure in the reader's words: `words.reasons` by reason, lists joined in `lang`.
  function explain(words, lang, e) {
    if (!(e instanceof Failure)) {
      console.error(e);  // an answer of a shape no check expects: a failure all the same
      return words.reasons.unreadable;
    }
    if (e.message === "differs") return e.values.list;
    const values = {};
    for (const [name, value] of Object.entries(e.values)) {
      values[name] = value instanceof Error ? explain(words, lang, value)
        : Array.isArray(value) ? new Intl.ListFormat(lang, { type: "conjunction" }).format(value)
          : value;
    }
    return fill(words.reasons[e.message], values);
  }

  return {
    Failure, fail, fill, explain, parsePolicy, sourceKey, sourceLines, unranged, trustKeys, rotationsAt,
    verifyEntry, parseReceipt, verifyReceipt, showVerdict,
  };
})();
