package records

import (
	"strings"
	"testing"
	"time"

	"bastion/shared/entry"
)

func TestDefaultScheduleClasses(t *testing.T) {
	s := DefaultSchedule()
	at := epoch.UnixNano()
	body := func(v any) []byte { b, _ := entry.NewBody(v); return b }
	ord, _ := order(t, "o", entry.OrderExecute, epoch)
	tkt, _ := order(t, "n", entry.OrderNew, epoch)
	pay, _ := payment(t, "p", epoch)
	tests := []struct {
		name   string
		e      *entry.Envelope
		class  string
		retain string
		rule   string
	}{
		{"execution", ord, "trade-record", "6y", "order-execution"},
		{"new order", tkt, "order-ticket", "3y", "order-ticket"},
		{"payment", pay, "trade-record", "6y", "payment"},
		{"login", login(t, "l", epoch), "card-data-access", "12m", "access-log"},
		{"clock config", &entry.Envelope{Type: entry.TypeConfig, ID: "c", Time: at,
			Body: body(entry.Config{Key: "clock-sync-ptp", Version: "1", Digest: strings.Repeat("0", 64)})},
			"clock-sync", "5y", "clock-sync-log"},
		{"other config", &entry.Envelope{Type: entry.TypeConfig, ID: "c", Time: at,
			Body: body(entry.Config{Key: "rulepack", Version: "1", Digest: strings.Repeat("0", 64)})},
			"system-record", "6y", "configuration"},
		{"amended ticket", &entry.Envelope{Type: entry.TypeAmendment, ID: "a", Time: at,
			Body: body(entry.Amendment{RecordType: entry.TypeOrder, Body: tkt.Body})},
			"order-ticket", "3y", "order-ticket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rule, ok, err := s.Classify(tt.e)
			if err != nil || !ok || c.Name != tt.class || c.Retain.String() != tt.retain || rule != tt.rule {
				t.Fatalf("got %s %s by %s (%v, %v), want %s %s by %s", c.Name, c.Retain, rule, ok, err,
					tt.class, tt.retain, tt.rule)
			}
		})
	}
	d := &entry.Envelope{Type: entry.TypeDisposal, ID: "d", Time: at, Body: []byte(`{}`)}
	if _, _, ok, err := s.Classify(d); ok || err != nil {
		t.Fatalf("disposal entry: got classified %v, %v; want unclassified", ok, err)
	}
}

func TestParseScheduleRejects(t *testing.T) {
	const class = "[classes.a]\nretain = \"1y\"\n"
	tests := []struct {
		name, in, want string
	}{
		{"no classes", "", "no classes"},
		{"bad period", "[classes.a]\nretain = \"6 years\"\n", "classes.a.retain"},
		{"zero period", "[classes.a]\nretain = \"0y\"\n", "classes.a.retain"},
		{"unknown key", class + "colour = 1\n", "line 3"},
		{"unknown class", class + "[[rules]]\nname = \"r\"\ntype = \"order\"\nclass = \"b\"\n", "rules[0].class"},
		{"unknown type", class + "[[rules]]\nname = \"r\"\ntype = \"trade\"\nclass = \"a\"\n", "rules[0].type"},
		{"disposal type", class + "[[rules]]\nname = \"r\"\ntype = \"disposal\"\nclass = \"a\"\n", "rules[0].type"},
		{"unknown event", class + "[[rules]]\nname = \"r\"\ntype = \"order\"\nevents = [\"fill\"]\nclass = \"a\"\n", "rules[0].events"},
		{"events on payment", class + "[[rules]]\nname = \"r\"\ntype = \"payment\"\nevents = [\"new\"]\nclass = \"a\"\n", "rules[0].events"},
		{"duplicate rule", class + "[[rules]]\nname = \"r\"\ntype = \"login\"\nclass = \"a\"\n[[rules]]\nname = \"r\"\ntype = \"login\"\nclass = \"a\"\n", "rules[1].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSchedule([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	now := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"6y", time.Date(2018, 3, 1, 12, 0, 0, 0, time.UTC)}, // 29 Feb 2018 normalises
		{"12m", time.Date(2023, 3, 1, 12, 0, 0, 0, time.UTC)},
		{"30d", time.Date(2024, 1, 30, 12, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Cutoff(now); !got.Equal(tt.want) || p.String() != tt.in {
			t.Fatalf("%s: got %v (%s), want %v", tt.in, got, p, tt.want)
		}
	}
	for _, bad := range []string{"", "y", "6", "-1y", "+1y", "06y", "6w", "1.5y", "99999y"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Fatalf("ParsePeriod(%q): got no error", bad)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	f.Add(defaultSchedule)
	f.Add([]byte("[classes.a]\nretain = \"1y\"\n[[rules]]\nname = \"r\"\ntype = \"login\"\nclass = \"a\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSchedule(b)
		if err != nil {
			return
		}
		for _, r := range s.Rules {
			if _, ok := s.Classes[r.Class]; !ok {
				t.Fatalf("rule %s names unknown class %s", r.Name, r.Class)
			}
		}
	})
}

func FuzzParseHolds(f *testing.F) {
	f.Add([]byte("[[hold]]\nmatter = \"m\"\nindexes = [1, 2]\nids = [\"a\"]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHolds(b)
		if err != nil {
			return
		}
		h.Held(1, "a", 0, true)
	})
}
