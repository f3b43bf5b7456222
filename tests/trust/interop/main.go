// An independent check of a Periplus ledger's formats, written against Go's own
// golang.org/x/mod/sumdb/note (signed notes) and sumdb/tlog (RFC 6962 proofs),
// with the C2SP cosignature/v1 and the periplus.event/2 signature checked from
// their specifications. It reads a JSON case file and exits non-zero on any failure.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type entry struct {
	Index int64    `json:"index"`
	Leaf  string   `json:"leaf"`
	Proof []string `json:"proof"`
}

type input struct {
	LogKey      string   `json:"log_key"`
	WitnessKeys []string `json:"witness_keys"`
	SourceKey   string   `json:"source_key"`
	Note        string   `json:"note"`
	Entries     []entry  `json:"entries"`
	OldSize     int64    `json:"old_size"`
	OldRoot     string   `json:"old_root"`
	Consistency []string `json:"consistency"`
}

// cosigner verifies C2SP cosignature/v1 (signature type 0x04) signatures.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	return t != 0 && ed25519.Verify(c.key, signed, sig[8:])
}

func parseKey(vkey string, kind byte) (string, uint32, ed25519.PublicKey) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		fail("malformed vkey %q", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != kind {
		fail("vkey %q is not of type %d", vkey, kind)
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	id := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", id) != parts[1] {
		fail("vkey %q: wrong key id", vkey)
	}
	return parts[0], id, ed25519.PublicKey(raw[1:])
}

func hashOf(s string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize {
		fail("not a hash: %q", s)
	}
	var h tlog.Hash
	copy(h[:], raw)
	return h
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		fail("%v", err)
	}
	logVerifier, err := note.NewVerifier(in.LogKey)
	if err != nil {
		fail("the log key: %v", err)
	}
	verifiers := []note.Verifier{logVerifier}
	for _, k := range in.WitnessKeys {
		name, id, key := parseKey(k, 0x04)
		verifiers = append(verifiers, &cosigner{name, id, key})
	}
	n, err := note.Open([]byte(in.Note), note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	if len(n.Sigs) != 1+len(in.WitnessKeys) {
		fail("%d of %d signatures verified", len(n.Sigs), 1+len(in.WitnessKeys))
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || lines[0] != logVerifier.Name() {
		fail("checkpoint body %q", n.Text)
	}
	root := hashOf(lines[2])
	_, _, sourceKey := parseKey(in.SourceKey, 0x01)
	for _, e := range in.Entries {
		leaf, err := base64.StdEncoding.DecodeString(e.Leaf)
		if err != nil {
			fail("leaf %d: %v", e.Index, err)
		}
		var proof tlog.RecordProof
		for _, p := range e.Proof {
			proof = append(proof, hashOf(p))
		}
		if err := tlog.CheckRecord(proof, size, root, e.Index, tlog.RecordHash(leaf)); err != nil {
			fail("inclusion of %d: %v", e.Index, err)
		}
		var event struct {
			Sig string `json:"sig"`
		}
		if err := json.Unmarshal(leaf, &event); err != nil || event.Sig == "" {
			fail("leaf %d carries no sig", e.Index)
		}
		sig, _ := base64.StdEncoding.DecodeString(event.Sig)
		member := []byte(`,"sig":"` + event.Sig + `","source":`)
		if bytes.Count(leaf, member) != 1 || len(sig) != 68 {
			fail("leaf %d: the sig member is not where RFC 8785 puts it", e.Index)
		}
		signed := bytes.Replace(leaf, member, []byte(`,"source":`), 1)
		if !ed25519.Verify(sourceKey, signed, sig[4:]) {
			fail("leaf %d: the source signature does not verify", e.Index)
		}
	}
	if in.OldSize > 0 {
		var proof tlog.TreeProof
		for _, p := range in.Consistency {
			proof = append(proof, hashOf(p))
		}
		if err := tlog.CheckTree(proof, size, root, in.OldSize, hashOf(in.OldRoot)); err != nil {
			fail("consistency %d -> %d: %v", in.OldSize, size, err)
		}
	}
	fmt.Printf("OK: %d signatures, %d entries, size %d\n", len(n.Sigs), len(in.Entries), size)
}
