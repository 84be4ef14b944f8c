package portal

import (
	"encoding/json"
	"net/http"
	"strconv"

	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
)

// reportEntry is one date in the report index.
type reportEntry struct {
	Date       string            `json:"date"`
	Entries    int               `json:"entries"`
	Withheld   int               `json:"withheld"`
	Rejections int               `json:"rejections"`
	Files      map[string]string `json:"files"` // format to download path
}

// reportIndex lists the reports, newest date first, "all" last.
type reportIndex struct {
	Reports []reportEntry `json:"reports"`
	Export  exportStatus  `json:"export"`
}

func (s *Server) reportIndex() reportIndex {
	snap := s.cfg.Export.Snapshot()
	idx := reportIndex{Reports: []reportEntry{}, Export: s.exportStatus()}
	dates := append([]string{}, snap.Dates...)
	for i, j := 0, len(dates)-1; i < j; i, j = i+1, j-1 {
		dates[i], dates[j] = dates[j], dates[i]
	}
	for _, date := range append(dates, report.AllDates) {
		d, ok := snap.Reports[date]
		if !ok {
			continue
		}
		e := reportEntry{Date: date, Entries: d.Entries, Withheld: d.Withheld,
			Rejections: len(d.Rejections), Files: map[string]string{}}
		for _, f := range report.Formats {
			e.Files[string(f)] = "/reports/" + date + "." + string(f)
		}
		idx.Reports = append(idx.Reports, e)
	}
	return idx
}

func (s *Server) apiCheckpoint(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.checkpointStatus())
}

func (s *Server) apiHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.health())
}

func (s *Server) apiReports(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.reportIndex())
}

// apiReport sends one report as JSON or CSV, byte for byte the file the
// portal writes to the reports directory.
func (s *Server) apiReport(w http.ResponseWriter, r *http.Request) {
	date, f, err := parseReportName(r.PathValue("name"), false)
	if err == nil && f == report.HTML {
		err = errNoHTML
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error(), nil)
		return
	}
	d, ok := s.cfg.Export.Snapshot().Reports[date]
	if !ok {
		s.fail(w, r, http.StatusNotFound, "no report for "+date, nil)
		return
	}
	s.sendReport(w, r, d, f, false)
}

type apiError string

func (e apiError) Error() string { return string(e) }

const errNoHTML = apiError("the API serves reports as .json or .csv")

// guardLogResponse is the answer of /api/guard-log.
type guardLogResponse struct {
	Filter guardlog.Filter `json:"filter"`
	Lines  []guardlog.Line `json:"lines"` // newest first
}

// maxAPILimit bounds the lines one API call returns.
const maxAPILimit = 5000

func (s *Server) apiGuardLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := guardlog.ParseFilter(q)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error(), nil)
		return
	}
	limit := guardLogLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAPILimit {
			s.fail(w, r, http.StatusBadRequest, "parameter limit: want 1 to "+strconv.Itoa(maxAPILimit), nil)
			return
		}
		limit = n
	}
	s.health()
	writeJSON(w, http.StatusOK, guardLogResponse{Filter: f, Lines: s.cfg.GuardLog.Query(f, limit)})
}

// writeJSON sends v as indented JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
