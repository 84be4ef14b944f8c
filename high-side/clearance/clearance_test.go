package clearance

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"bastion/shared/entry"
)

func lbl(t *testing.T, s string) entry.Label {
	t.Helper()
	l, err := entry.ParseLabel(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func testRegistry(t *testing.T) *Registry {
	t.Helper()
	r, err := LoadRegistry(filepath.Join("testdata", "registry.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheck(t *testing.T) {
	r := testRegistry(t)
	tests := []struct {
		subject, label, action string
		want                   error
	}{
		{"trader-1", "confidential/trading", "submit-order", nil},
		{"trader-1", "internal", "read", nil},
		{"trader-1", "confidential/payments", "read", ErrNotCleared},       // compartment not held
		{"trader-1", "secret/trading", "read", ErrNotCleared},              // no read up
		{"trader-1", "confidential/trading", "submit-payment", ErrRole},    // not a payments officer
		{"analyst-1", "confidential/research", "read", nil},                // own compartment
		{"analyst-1", "confidential/trading", "submit-order", ErrBarrier},  // walled off from trading
		{"analyst-1", "confidential/research,trading", "read", ErrBarrier}, // any excluded compartment
		{"ops-1", "confidential/payments", "submit-payment", nil},
		{"cco", "secret/keys", "approve", nil},
		{"cco", "confidential/surveillance", "approve", nil},
		{"intern", "internal", "read", nil},
		{"intern", "confidential", "read", ErrNotCleared},
		{"nobody", "public", "read", ErrUnknownSubject},
		{"trader-1", "public", "delete", ErrUnknownAction},
		{"trader-1", "confidential/trading", "approve", ErrRole},
	}
	for _, tt := range tests {
		t.Run(tt.subject+" "+tt.action+" "+tt.label, func(t *testing.T) {
			err := r.Check(tt.subject, lbl(t, tt.label), tt.action)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDenialNamesSubjectLabelAndRule(t *testing.T) {
	err := testRegistry(t).Check("analyst-1", lbl(t, "confidential/trading"), "submit-order")
	want := `subject "analyst-1" may not submit-order at confidential/trading: information barrier: barrier equities-research excludes compartment trading`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	var d *Denial
	if !errors.As(err, &d) || d.Subject != "analyst-1" || d.Action != "submit-order" {
		t.Errorf("got %#v, want a *Denial for analyst-1", err)
	}
}

func TestMalformedLabelDenied(t *testing.T) {
	bad := entry.Label{Level: entry.Confidential, Compartments: []string{"trading", "payments"}} // unsorted
	if err := testRegistry(t).Check("cco", bad, "read"); !errors.Is(err, ErrNotCleared) {
		t.Errorf("got %v, want ErrNotCleared for a malformed label", err)
	}
}

func TestDominates(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"secret/keys,trading", "confidential/trading", true},
		{"confidential/trading", "confidential/trading", true},
		{"confidential/trading", "confidential", true},
		{"confidential", "confidential/trading", false},
		{"internal/trading", "confidential/trading", false},
		{"secret", "public", true},
		{"confidential/payments", "confidential/trading", false},
	}
	for _, tt := range tests {
		if got := lbl(t, tt.a).Dominates(lbl(t, tt.b)); got != tt.want {
			t.Errorf("%s dominates %s: got %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseRegistryErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown key", "[[subject]]\nid = \"a\"\nclearence = \"internal\"\n", `reg.toml:3: unknown key "subject.clearence"`},
		{"duplicate subject", "[[subject]]\nid = \"a\"\nclearance = \"internal\"\n[[subject]]\nid = \"a\"\nclearance = \"public\"\n", `subject[1]: duplicate subject id "a"`},
		{"undefined barrier", "[[subject]]\nid = \"a\"\nclearance = \"internal\"\nbarriers = [\"wall\"]\n", `undefined barrier "wall"`},
		{"bad level", "[[subject]]\nid = \"a\"\nclearance = \"top-secret\"\n", `unknown classification level "top-secret"`},
		{"empty barrier", "[barrier.wall]\nexcludes = []\n", "barrier.wall: want a valid name and excludes"},
		{"bad role", "[action.read]\nroles = [\"Trader\"]\n", "action.read: malformed action or role name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRegistry([]byte(tt.doc), "reg.toml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParseRegistry(f *testing.F) {
	f.Add([]byte("[barrier.w]\nexcludes=[\"trading\"]\n[action.read]\n[[subject]]\nid=\"a\"\nclearance=\"secret/trading\"\nbarriers=[\"w\"]\n"))
	f.Add([]byte("[[subject]]\nid = \"\"\n"))
	f.Add([]byte("x = 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRegistry(b, "fuzz.toml")
		if err != nil {
			return
		}
		for id, s := range r.subjects {
			if id != s.ID || s.Clearance.Validate() != nil {
				t.Fatalf("accepted bad subject %+v", s)
			}
			_ = r.Check(id, s.Clearance, "read")
		}
	})
}
