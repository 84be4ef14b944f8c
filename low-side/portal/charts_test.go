package portal_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"bastion/low-side/portal"
)

func TestChartsPage(t *testing.T) {
	f := newFixture(t, portal.Rate{})
	res, body := f.get(t, "/charts")
	if res.StatusCode != 200 {
		t.Fatalf("GET /charts = %d, log %s", res.StatusCode, f.access.String())
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
		t.Error("charts page carries inline style or script, which the Content-Security-Policy blocks")
	}
	if n := strings.Count(body, "<svg"); n != 3 {
		t.Errorf("charts page has %d SVG charts, want 3", n)
	}
	// Every date of the fixture has a bar in each chart whose total is
	// the report's figure: entries, decided entries, alerts.
	snap := f.exp.Snapshot()
	for _, date := range snap.Dates {
		d := snap.Reports[date]
		re := regexp.MustCompile(fmt.Sprintf(`data-date="%s" data-total="(\d+)"`, date))
		m := re.FindAllStringSubmatch(body, -1)
		if len(m) != 3 {
			t.Fatalf("date %s has %d bars, want 3", date, len(m))
		}
		alerts := 0
		for _, c := range d.ByOutcome {
			if c.Key == "review" || c.Key == "reject" {
				alerts += c.Count
			}
		}
		if m[0][1] != fmt.Sprint(d.Entries) || m[2][1] != fmt.Sprint(alerts) {
			t.Errorf("date %s bars total %s and %s, want entries %d and alerts %d", date, m[0][1], m[2][1],
				d.Entries, alerts)
		}
	}
}
