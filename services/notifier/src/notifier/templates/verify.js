// Checks, in the reader's browser, that a ledger entry is in the log the ledger signed:
// the leaf's bytes hash to the proven leaf (SHA-256), the RFC 9162 inclusion proof leads
// to the checkpoint's root, and the checkpoint's Ed25519 signature is the ledger key's.
"use strict";
(function () {
  const REASONS = {
    en: { network: "the ledger could not be reached", key: "the ledger key is malformed",
      signature: "the checkpoint's signature is not the ledger's", pending: "the entry is not yet in a signed checkpoint",
      leaf: "the entry's bytes do not match this page or the proof", proof: "the inclusion proof does not lead to the signed root",
      crypto: "this browser cannot check Ed25519 signatures" },
    es: { network: "no se pudo contactar el registro", key: "la clave del registro está mal formada",
      signature: "la firma del punto de control no es la del registro", pending: "la entrada aún no está en un punto de control firmado",
      leaf: "los bytes de la entrada no coinciden con esta página o la prueba", proof: "la prueba de inclusión no lleva a la raíz firmada",
      crypto: "este navegador no puede comprobar firmas Ed25519" },
    fr: { network: "le registre est injoignable", key: "la clé du registre est mal formée",
      signature: "la signature du point de contrôle n'est pas celle du registre", pending: "l'entrée n'est pas encore dans un point de contrôle signé",
      leaf: "les octets de l'entrée ne correspondent pas à cette page ou à la preuve", proof: "la preuve d'inclusion ne mène pas à la racine signée",
      crypto: "ce navigateur ne sait pas vérifier les signatures Ed25519" },
    pt: { network: "não foi possível contatar o registro", key: "a chave do registro está malformada",
      signature: "a assinatura do ponto de controle não é a do registro", pending: "a entrada ainda não está num ponto de controle assinado",
      leaf: "os bytes da entrada não conferem com esta página ou a prova", proof: "a prova de inclusão não leva à raiz assinada",
      crypto: "este navegador não verifica assinaturas Ed25519" },
  };
  const lang = document.documentElement.lang in REASONS ? document.documentElement.lang : "en";
  const words = document.getElementById("verify-words").dataset;

  class Failure extends Error {}
  const fail = (reason) => { throw new Failure(reason); };
  const enc = new TextEncoder();
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const cat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const nodeHash = (l, r) => sha256(cat(Uint8Array.of(1), l, r));

  async function get(path, kind) {
    let response;
    try { response = await fetch(path, { cache: "no-store" }); } catch (e) { fail("network"); }
    if (!response.ok) fail(response.status === 400 ? "pending" : "network");
    return kind === "json" ? response.json() : response.text();
  }

  async function openCheckpoint(keyText, note) {
    const [name, hexId, ...rest] = keyText.trim().split("+");
    const blob = rest.join("+");
    let raw;
    try { raw = b64(blob); } catch (e) { fail("key"); }
    if (!name || raw.length !== 33 || raw[0] !== 1) fail("key");
    const pub = raw.slice(1);
    const id = (await sha256(cat(enc.encode(name + "\n"), Uint8Array.of(1), pub))).slice(0, 4);
    if (Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("") !== hexId) fail("key");
    const cut = note.lastIndexOf("\n\n");
    if (cut < 0) fail("signature");
    const text = note.slice(0, cut + 1);
    let key;
    try {
      key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    } catch (e) { fail("crypto"); }
    let signed = false;
    for (const line of note.slice(cut + 2).split("\n")) {
      if (!line.startsWith("\u2014 " + name + " ")) continue;
      let sig;
      try { sig = b64(line.slice(line.lastIndexOf(" ") + 1)); } catch (e) { continue; }
      if (sig.length !== 68 || !same(sig.slice(0, 4), id)) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), enc.encode(text))) signed = true;
    }
    if (!signed) fail("signature");
    const [origin, size, root] = text.split("\n");
    return { origin, size: Number(size), root: b64(root) };
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

  async function verify(button) {
    const index = Number(button.dataset.index);
    const [keyText, note] = await Promise.all([get("/v1/verify/key"), get("/v1/verify/checkpoint")]);
    const checkpoint = await openCheckpoint(keyText, note);
    if (index >= checkpoint.size) fail("pending");
    const [entries, proof] = await Promise.all([
      get(`/v1/verify/entries?start=${index}&end=${index + 1}`, "json"),
      get(`/v1/verify/proof/inclusion?index=${index}&tree_size=${checkpoint.size}`, "json"),
    ]);
    const entry = (entries.entries || [])[0];
    if (!entry || entry.index !== index) fail("leaf");
    let leafHash;
    if (entry.withheld) {
      // The bytes are withheld under law; the tree still proves the entry's hash.
      if (button.dataset.type !== "withheld") fail("leaf");
      leafHash = b64(entry.leaf_hash);
    } else {
      const leaf = b64(entry.leaf);
      leafHash = await sha256(cat(Uint8Array.of(0), leaf));
      let event;
      try { event = JSON.parse(new TextDecoder().decode(leaf)); } catch (e) { fail("leaf"); }
      if (event.type !== button.dataset.type || event.trip_id !== button.dataset.trip ||
          event.occurred_at !== button.dataset.occurred) fail("leaf");
    }
    if (!same(leafHash, b64(proof.leaf_hash))) fail("leaf");
    const root = await rootFromProof(index, checkpoint.size, leafHash, (proof.hashes || []).map(b64));
    if (!same(root, checkpoint.root)) fail("proof");
    return checkpoint;
  }

  for (const button of document.querySelectorAll("button.verify")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const out = document.getElementById("verdict-" + button.dataset.index);
      out.className = "verdict";
      out.textContent = words.checking;
      button.disabled = true;
      try {
        const cp = await verify(button);
        out.className = "verdict ok";
        out.textContent = "✓ " + words.ok.replace("{index}", button.dataset.index)
          .replace("{size}", String(cp.size)).replace("{origin}", cp.origin);
        out.dataset.result = "ok";
      } catch (e) {
        const reason = e instanceof Failure ? REASONS[lang][e.message] : String(e);
        out.className = "verdict bad";
        out.textContent = "✗ " + words.fail.replace("{reason}", reason);
        out.dataset.result = "fail";
      } finally {
        button.disabled = false;
      }
    });
  }
})();
