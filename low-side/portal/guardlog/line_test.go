package guardlog

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	var c chain
	good := bytes.TrimSuffix(c.next(7, "signature", Reject, "bad signature"), []byte("\n"))
	hash := string(good[len(good)-66 : len(good)-2])
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"good", string(good), ""},
		{"unknown decision", strings.Replace(string(good), `"reject"`, `"maybe"`, 1), "unknown decision"},
		{"unknown field", strings.Replace(string(good), `{`, `{"x":1,`, 1), "unknown field"},
		{"trailing", string(good) + " {}", "trailing"},
		{"bad time", strings.Replace(string(good), `2012-06-21T09:30:01Z`, `yesterday`, 1), "malformed"},
		{"no stage", strings.Replace(string(good), `"signature"`, `""`, 1), "stage"},
		{"short hash", strings.Replace(string(good), hash, "abcd", 1), "hash"},
		{"altered reason", strings.Replace(string(good), "bad signature", "bad signaturE", 1), "does not match"},
		{"upper-case hash", strings.Replace(string(good), hash, strings.ToUpper(hash), 1), "hash"},
		{"negative seq", strings.Replace(string(good), `"seq":1`, `"seq":-1`, 1), "malformed"},
		{"not json", "\x00\xff", "malformed"},
		{"too long", strings.Repeat(" ", MaxLineSize+1), "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseLine([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseLine: %v", err)
				}
				if l.BatchSeq != 7 || l.Decision != Reject || l.Reason != "bad signature" || l.Seq != 1 {
					t.Errorf("got %+v, want batch 7, reject, reason \"bad signature\", seq 1", l)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseLine(f *testing.F) {
	var c chain
	f.Add(bytes.TrimSpace(c.next(1, "receive", Accept, "")))
	f.Add(bytes.TrimSpace(c.next(2, "signature", Reject, "' OR 1=1 --")))
	f.Add(bytes.TrimSpace(c.next(0, "diode", Event, "gap 3-5")))
	f.Add([]byte(`{"time":"2012-06-21T09:30:00Z","seq":1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLine(b)
		if err != nil {
			return
		}
		if !l.Decision.Valid() || l.Stage == "" || l.Seq == 0 || !isHash(l.Hash) {
			t.Fatalf("accepted an invalid line: %+v", l)
		}
	})
}

func FuzzLogConsume(f *testing.F) {
	var c chain
	f.Add(append(c.next(1, "receive", Accept, ""), c.next(1, "publish", Accept, "")...))
	f.Add([]byte("\n\n{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := New("unused", 4)
		l.consume(data)
		h := l.health.snapshot()
		if h.Lines > uint64(bytes.Count(data, []byte("\n"))) {
			t.Fatalf("%d lines counted from %d newlines", h.Lines, bytes.Count(data, []byte("\n")))
		}
	})
}

func TestEncodeRoundTrip(t *testing.T) {
	var c chain
	raw := bytes.TrimSuffix(c.next(3, "labels", Hold, `quote " and <tag>`), []byte("\n"))
	l, err := ParseLine(raw)
	if err != nil {
		t.Fatalf("ParseLine(Encode(...)): %v", err)
	}
	again, _ := Encode(l)
	if !bytes.Equal(again, raw) {
		t.Errorf("re-encoding differs:\n got %s\nwant %s", again, raw)
	}
}
