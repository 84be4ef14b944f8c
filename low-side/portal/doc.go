// Package portal serves the low side's read-only web portal: the current
// checkpoint, link health from the guard log, the daily reports and the
// guard log itself, as HTML pages (html/template and htmx, every asset
// embedded) and as a JSON API.
//
// Pages and API:
//
//	GET /                       overview: checkpoint, export and link health
//	GET /reports                dates with reports
//	GET /reports/{date}         one report; {date}.json, .csv, .html download it
//	GET /guard-log              guard log with filters decision, stage, from, to, text
//	GET /api/checkpoint         current checkpoint and its verification
//	GET /api/health             link health from the guard log
//	GET /api/reports            dates with reports and their files
//	GET /api/reports/{date}.json (or .csv) one report
//	GET /api/guard-log          guard log lines, same filters, plus limit
//	GET /api/bundles            signed report bundles and their files
//	GET /bundles/{bundle}/{file} one file of a bundle, as a download
//
// Every response carries a strict Content-Security-Policy (self only, no
// inline script or style, no framing) and the usual hardening headers.
// Requests pass, outermost first, through panic recovery, the access log,
// the security headers, a per-client rate limit, cross-origin protection
// for state-changing methods and, when configured, an authentication
// middleware (Config.Auth; package login provides one). With it, each
// route belongs to an area and answers 403 to a role outside it: reports,
// checkpoint and proofs for regulators and auditors, guard log and link
// health for security staff, the overview for all. Without it the portal
// is meant for loopback only, shows every area, and says on every page
// that it runs in loopback demo mode.
package portal
