package fix

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// expectedCount reads the ExpectedMessageCount line the sample logs carry.
func expectedCount(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "ExpectedMessageCount="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("%s: no ExpectedMessageCount line", path)
	return 0
}

func TestReadLogSampleFiles(t *testing.T) {
	dir := dataDir(t, "fix/log4fix")
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(files) != 11 {
		t.Fatalf("got %d log files (%v), want 11", len(files), err)
	}
	// The FIX 4.4 sample declares BodyLength 404 for a 375-byte body; a
	// strict reader must skip it and say why.
	skipped := map[string]string{"FIX44-FXSpot-WithSubparties.log": "tag 9 (BodyLength): declared 404, body is 375 bytes"}
	total := 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			res, err := ReadLogFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := expectedCount(t, path)
			if got := len(res.Messages) + len(res.Skipped); got != want {
				t.Fatalf("got %d messages and %d skipped, want %d in all", len(res.Messages), len(res.Skipped), want)
			}
			reason, wantSkip := skipped[name]
			if wantSkip != (len(res.Skipped) == 1) {
				t.Fatalf("got skips %+v, want skip=%v", res.Skipped, wantSkip)
			}
			if wantSkip && !strings.Contains(res.Skipped[0].Reason, reason) {
				t.Fatalf("got reason %q, want it to contain %q", res.Skipped[0].Reason, reason)
			}
			for _, m := range res.Messages {
				if !strings.HasPrefix(name, "FIX42") || m.Message.BeginString != FIX42 {
					t.Errorf("line %d: BeginString %s in %s", m.Line, m.Message.BeginString, name)
				}
			}
			total += len(res.Messages)
		})
	}
	if total != 38 {
		t.Errorf("got %d messages over all logs, want 38 (39 less the one with a wrong BodyLength)", total)
	}
}

func TestReadLogSplitAndGroups(t *testing.T) {
	dir := dataDir(t, "fix/log4fix")
	res, err := ReadLogFile(filepath.Join(dir, "FIX42-CoyTrade-BCExchange-MessagesSplitBetweenMultipleLines.log"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, m := range res.Messages {
		lines = append(lines, m.Line)
	}
	if want := []int{1, 2, 4, 10}; !equalInts(lines, want) {
		t.Fatalf("got messages on lines %v, want %v", lines, want)
	}
	res, err = ReadLogFile(filepath.Join(dir, "FIX42-CoyTrade-BCExchange-MarketDataRequest.log"))
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("got %v, %v; want one message", res, err)
	}
	g, err := res.Messages[0].Message.Group(267, 269)
	if err != nil || len(g) != 2 || g[1][0].Value != "1" {
		t.Fatalf("MDEntryTypes group = %v, %v; want two instances 0 and 1", g, err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadLogSynthetic(t *testing.T) {
	good := string(sohs(sampleOrder))
	pipes := sampleOrder
	nuls := strings.ReplaceAll(sampleOrder, "|", "\x00")
	tests := []struct {
		name    string
		log     string
		msgs    int
		skipped int
	}{
		{"empty", "", 0, 0},
		{"text only", "no messages here\n8=FI\n", 0, 0},
		{"soh", good, 1, 0},
		{"pipes", pipes, 1, 0},
		{"nul delimited", nuls, 1, 0},
		{"no trailing delimiter", strings.TrimSuffix(pipes, "|") + "\nmore text", 1, 0},
		{"split with CRLF", good[:20] + "\r\n" + good[20:50] + "\n" + good[50:], 1, 0},
		{"wrapped in text", "12:00 -> " + good + "JUNK\n\x00" + good + " trailing", 2, 0},
		{"bad checksum", strings.Replace(good, "10=145", "10=146", 1) + good, 1, 1},
		{"bad length then good", strings.Replace(good, "9=117", "9=300", 1) + "\n" + good, 1, 1},
		{"truncated", good[:60], 0, 1},
		{"no length", "8=FIX.4.2|35=0|10=000|", 0, 1},
		{"unterminated begin", "8=FIXFIXFIXFIXFIXFIX", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ReadLog(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Messages) != tt.msgs || len(res.Skipped) != tt.skipped {
				t.Fatalf("got %d messages, %d skipped (%+v), want %d, %d", len(res.Messages), len(res.Skipped), res.Skipped, tt.msgs, tt.skipped)
			}
			for _, m := range res.Messages {
				if !bytes.Equal(m.Raw, sohs(sampleOrder)) {
					t.Errorf("got raw %q, want the sample order", m.Raw)
				}
			}
		})
	}
}

func FuzzReadLog(f *testing.F) {
	f.Add([]byte(sampleOrder))
	f.Add(sohs(sampleOrder))
	f.Add([]byte("text\n8=FIX.\n4.2\x019=5\x0135=0\x0110=000\x01"))
	f.Add([]byte("8=FIX.4.2|9=99999|"))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadLog(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Messages {
			again, err := m.Message.Encode()
			if err != nil || !bytes.Equal(again, m.Raw) {
				t.Fatalf("message does not re-encode to its raw form: %v", err)
			}
		}
		flat := bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
		if n := bytes.Count(flat, []byte("8=FIX")); len(res.Messages)+len(res.Skipped) > n {
			t.Fatalf("%d results from %d candidates", len(res.Messages)+len(res.Skipped), n)
		}
	})
}
