package portal

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"bastion/low-side/portal/guardlog"
)

//go:embed static/htmx.min.js static/htmx.LICENSE static/style.css static/favicon.svg
var staticFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// staticHandler serves the embedded assets under /static/.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".LICENSE") {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		files.ServeHTTP(w, r)
	}))
}

// pages holds one template set per page, each with the shared layout.
var pages = parsePages("overview", "reports", "report", "guardlog", "charts", "proof")

func parsePages(names ...string) map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS,
		"templates/layout.html", "templates/fragments.html"))
	out := map[string]*template.Template{}
	for _, n := range names {
		out[n] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
	}
	out["fragments"] = base
	return out
}

var funcs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
	"decisions": func() []guardlog.Decision {
		return []guardlog.Decision{guardlog.Accept, guardlog.Reject, guardlog.Hold, guardlog.Event}
	},
}
