package portal

import (
	"net/http"
	"strconv"

	"bastion/low-side/report"
)

// chartDays is how many of the most recent dates the charts show.
const chartDays = 31

// Chart geometry, in SVG user units.
const (
	chartWidth  = 640
	chartHeight = 220
	plotLeft    = 56 // room for the axis labels
	plotTop     = 12
	plotBottom  = 180 // baseline; date labels below
	ticks       = 4
)

// chart is a bar chart laid out for the SVG template: every coordinate is
// computed here, so the template only places elements, with no script and
// no inline style (the Content-Security-Policy stays strict).
type chart struct {
	ID, Title, Caption string
	Width, Height      int
	PlotLeft, Baseline int
	PlotRight          int
	Bars               []bar
	Ticks              []tick
	Legend             []legendItem
}

// bar is one date's stacked bar.
type bar struct {
	Date       string
	X, W       int
	LabelX     int
	Total      int
	Segments   []segment
	ShowLabel  bool
	LabelShort string // MM-DD
}

// segment is one series' part of a bar.
type segment struct {
	Series, Class string
	Y, H, Value   int
}

// tick is a horizontal grid line with its value.
type tick struct {
	Y     int
	Label string
}

// legendItem names one series and its colour class.
type legendItem struct {
	Label, Class string
	X            int
}

// series is one stacked quantity: its label, CSS class and value per date.
type series struct {
	Label, Class string
	Value        func(d *report.Daily) int
}

// chartsData is the charts page's content: the charts and the rows behind
// them, as a table for readers without graphics.
type chartsData struct {
	Charts []chart
	Rows   []chartRow
}

// chartRow is one date's figures.
type chartRow struct {
	Date                            string
	Entries, Accept, Review, Reject int
	None, Withheld, Alerts          int
}

func (s *Server) chartsPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "charts", "layout", page{Title: "Daily volumes, decisions and alerts", Nav: "charts",
		Data: buildCharts(s.cfg.Export.Snapshot())})
}

// buildCharts lays out the three charts over the most recent dates.
func buildCharts(snap *report.Snapshot) chartsData {
	dates := snap.Dates[max(0, len(snap.Dates)-chartDays):]
	days := make([]*report.Daily, 0, len(dates))
	for _, d := range dates {
		days = append(days, snap.Reports[d])
	}
	outcome := func(o string) func(*report.Daily) int {
		return func(d *report.Daily) int { return countOf(d.ByOutcome, o) }
	}
	cd := chartsData{Charts: []chart{
		layout("volumes", "Ledger entries per day", "releasable and withheld entries", days, []series{
			{"releasable", "s-entries", func(d *report.Daily) int { return d.Entries - d.Withheld }},
			{"withheld", "s-withheld", func(d *report.Daily) int { return d.Withheld }},
		}),
		layout("decisions", "Decisions per day", "accept, review and reject by the monitor", days, []series{
			{"accept", "s-accept", outcome("accept")},
			{"review", "s-review", outcome("review")},
			{"reject", "s-reject", outcome("reject")},
		}),
		layout("alerts", "Alerts per day", "orders and payments sent to review or rejected", days, []series{
			{"alerts", "s-alerts", func(d *report.Daily) int { return countOf(d.ByOutcome, "review") + countOf(d.ByOutcome, "reject") }},
		}),
	}}
	for _, d := range days {
		cd.Rows = append(cd.Rows, chartRow{Date: d.Date, Entries: d.Entries, Withheld: d.Withheld,
			Accept: countOf(d.ByOutcome, "accept"), Review: countOf(d.ByOutcome, "review"),
			Reject: countOf(d.ByOutcome, "reject"), None: countOf(d.ByOutcome, report.NoDecision),
			Alerts: countOf(d.ByOutcome, "review") + countOf(d.ByOutcome, "reject")})
	}
	return cd
}

// layout computes the bars, grid and legend of one stacked bar chart.
func layout(id, title, caption string, days []*report.Daily, ss []series) chart {
	c := chart{ID: id, Title: title, Caption: caption, Width: chartWidth, Height: chartHeight,
		PlotLeft: plotLeft, Baseline: plotBottom, PlotRight: chartWidth - 8}
	top := 0
	for _, d := range days {
		t := 0
		for _, s := range ss {
			t += s.Value(d)
		}
		top = max(top, t)
	}
	top = niceCeil(top)
	plotH := plotBottom - plotTop
	for i := 0; i <= ticks; i++ {
		v := top * i / ticks
		c.Ticks = append(c.Ticks, tick{Y: plotBottom - plotH*i/ticks, Label: strconv.Itoa(v)})
	}
	slot := (c.PlotRight - plotLeft) / max(1, len(days))
	every := max(1, (len(days)+7)/8) // at most about eight date labels
	for i, d := range days {
		b := bar{Date: d.Date, X: plotLeft + i*slot + slot/8, W: max(1, slot*3/4), LabelShort: d.Date[5:],
			ShowLabel: i%every == 0 || i == len(days)-1}
		b.LabelX = b.X + b.W/2
		y := plotBottom
		for _, s := range ss {
			v := s.Value(d)
			h := plotH * v / top
			y -= h
			b.Segments = append(b.Segments, segment{Series: s.Label, Class: s.Class, Y: y, H: h, Value: v})
			b.Total += v
		}
		c.Bars = append(c.Bars, b)
	}
	for i, s := range ss {
		c.Legend = append(c.Legend, legendItem{Label: s.Label, Class: s.Class, X: plotLeft + i*110})
	}
	return c
}

// niceCeil returns the top of the value axis: ticks times the smallest
// step of 1, 2, 2.5 or 5 times a power of ten whose multiple reaches v.
func niceCeil(v int) int {
	need := max(1, (v+ticks-1)/ticks)
	for p := 1; ; p *= 10 {
		for _, m := range []int{10, 20, 25, 50} {
			if step := m * p / 10; step >= need && m*p%10 == 0 {
				return step * ticks
			}
		}
	}
}

// countOf returns the count of key in counts, or 0.
func countOf(counts []report.Count, key string) int {
	for _, c := range counts {
		if c.Key == key {
			return c.Count
		}
	}
	return 0
}
