package login

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

//go:embed templates/gate.html
var templateFS embed.FS

//go:embed static/login.js
var script []byte

var gatePages = template.Must(template.ParseFS(templateFS, "templates/gate.html"))

// loginView is what the login page shows.
type loginView struct {
	Title   string
	Next    string
	Name    string
	Notice  string
	Problem string
}

func (g *Gate) loginPage(w http.ResponseWriter, r *http.Request) {
	v := loginView{Title: "Log in", Next: safeNext(r.URL.Query().Get("next"))}
	switch r.URL.Query().Get("done") {
	case "registered":
		v.Notice = "Security key registered. Log in with it now."
	case "logout":
		v.Notice = "Logged out."
	}
	g.render(w, http.StatusOK, "login", v)
}

func (g *Gate) enrolPage(w http.ResponseWriter, r *http.Request) {
	g.render(w, http.StatusOK, "enrol", loginView{Title: "Register a security key"})
}

// render executes a gate template into a buffer, then sends it.
func (g *Gate) render(w http.ResponseWriter, status int, name string, v loginView) {
	var buf bytes.Buffer
	if err := gatePages.ExecuteTemplate(&buf, name, v); err != nil {
		g.log.Error("login page failed", "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func serveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Write(script)
}

// safeNext returns p when it is a path on this site, else "/".
func safeNext(p string) string {
	if len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\\r\n") || strings.HasPrefix(p, "/login") || strings.HasPrefix(p, "/enrol") {
		return "/"
	}
	return p
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readJSON decodes a small JSON request body into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
