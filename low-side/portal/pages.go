package portal

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
)

// page is what every page template receives.
type page struct {
	Title string
	Nav   string // the nav entry to mark current
	Data  any
	See   visibility // set by render
}

// overviewData is the overview page's content.
type overviewData struct {
	See        visibility
	Checkpoint CheckpointStatus
	Export     exportStatus
	Health     healthView
}

// exportStatus summarises what the report engine has read.
type exportStatus struct {
	Batches int            `json:"batches_read"`
	First   uint64         `json:"first_batch"`
	Last    uint64         `json:"last_batch"`
	Missing []report.Range `json:"missing_batches"`
	Dates   int            `json:"dates"`
	Error   string         `json:"error,omitempty"`
}

// healthView is the guard log health with the error reading it, if any.
type healthView struct {
	guardlog.Health
	Error string `json:"error,omitempty"`
}

func (s *Server) exportStatus() exportStatus {
	snap := s.cfg.Export.Snapshot()
	st := exportStatus{Batches: len(snap.Batches), Missing: snap.Missing, Dates: len(snap.Dates)}
	if n := len(snap.Batches); n > 0 {
		st.First, st.Last = snap.Batches[0], snap.Batches[n-1]
	}
	if snap.Err != nil {
		st.Error = snap.Err.Error()
	}
	return st
}

// health refreshes the guard log and returns its health.
func (s *Server) health() healthView {
	var v healthView
	if err := s.cfg.GuardLog.Refresh(); err != nil {
		v.Error = err.Error()
	}
	v.Health = s.cfg.GuardLog.Health()
	return v
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	d := overviewData{See: s.visibility(r)}
	if d.See.Evidence {
		d.Checkpoint, d.Export = s.checkpointStatus(), s.exportStatus()
	}
	if d.See.Guard {
		d.Health = s.health()
	}
	s.render(w, r, "overview", "layout", page{Title: "Overview", Nav: "overview", Data: d})
}

func (s *Server) healthFragment(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "fragments", "health", s.health())
}

func (s *Server) reportList(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "reports", "layout", page{Title: "Daily reports", Nav: "reports", Data: s.reportIndex()})
}

// reportPage shows one report, or sends it as a file when the name ends
// in a format's extension.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	date, format, err := parseReportName(r.PathValue("name"), true)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error(), nil)
		return
	}
	d, ok := s.cfg.Export.Snapshot().Reports[date]
	if !ok {
		s.fail(w, r, http.StatusNotFound, "no report for "+date, nil)
		return
	}
	if format != "" {
		s.sendReport(w, r, d, format, true)
		return
	}
	s.render(w, r, "report", "layout", page{Title: "Daily report " + date, Nav: "reports", Data: d})
}

// guardLogData is the guard log page's content.
type guardLogData struct {
	Filter guardlog.Filter
	Query  string // the filter as a query string, for the refreshing rows
	Lines  []guardlog.Line
	Health healthView
}

// guardLogLimit is how many lines a guard log page shows.
const guardLogLimit = 200

func (s *Server) guardLogPage(w http.ResponseWriter, r *http.Request) {
	f, err := guardlog.ParseFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error(), nil)
		return
	}
	h := s.health()
	s.render(w, r, "guardlog", "layout", page{Title: "Guard log", Nav: "guard-log", Data: guardLogData{
		Filter: f, Query: f.Query().Encode(), Lines: s.cfg.GuardLog.Query(f, guardLogLimit), Health: h,
	}})
}

func (s *Server) guardLogRows(w http.ResponseWriter, r *http.Request) {
	f, err := guardlog.ParseFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error(), nil)
		return
	}
	s.health()
	s.render(w, r, "fragments", "rows", s.cfg.GuardLog.Query(f, guardLogLimit))
}

// render executes a template into a buffer first, so that a template
// error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, set, name string, data any) {
	s.renderStatus(w, r, http.StatusOK, set, name, data)
}

// renderStatus is render with a status other than 200, for a page that
// explains what was wrong with the request.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, set, name string, data any) {
	if p, ok := data.(page); ok {
		p.See = s.visibility(r)
		data = p
	}
	var buf bytes.Buffer
	if err := pages[set].ExecuteTemplate(&buf, name, data); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal error", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail answers with status and a public message; the cause, if any, is
// logged and never sent.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, public string, cause error) {
	if cause != nil {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.String("error", cause.Error()))
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, status, map[string]string{"error": public})
		return
	}
	http.Error(w, public, status)
}

// parseReportName splits "2012-06-21.csv" into date and format. The date
// is YYYY-MM-DD or "all"; the extension is optional only when
// bareAllowed. Its errors describe a malformed request (status 400).
func parseReportName(name string, bareAllowed bool) (string, report.Format, error) {
	date, ext, hasExt := strings.Cut(name, ".")
	if !hasExt && !bareAllowed {
		return "", "", fmt.Errorf("report %q needs an extension (.json or .csv)", Clip(name))
	}
	if date != report.AllDates {
		if t, err := time.Parse("2006-01-02", date); err != nil || t.Format("2006-01-02") != date {
			return "", "", fmt.Errorf("report %q: date must be YYYY-MM-DD or all", Clip(name))
		}
	}
	if !hasExt {
		return date, "", nil
	}
	for _, f := range report.Formats {
		if ext == string(f) {
			return date, f, nil
		}
	}
	return "", "", fmt.Errorf("report %q: unknown format %q", Clip(name), Clip(ext))
}

// sendReport writes the report in format f, as a download when attach.
func (s *Server) sendReport(w http.ResponseWriter, r *http.Request, d *report.Daily, f report.Format, attach bool) {
	b, err := d.Bytes(f)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal error", err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if attach {
		w.Header().Set("Content-Disposition", `attachment; filename="`+report.FileName(d.Date, f)+`"`)
	}
	w.Write(b)
}
