package login

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// hostPattern is a DNS host name: dot-separated labels of a-z 0-9 and
// inner hyphens (RFC 1123 §2.1), compared in lower case.
var hostPattern = regexp.MustCompile(`^` + hostLabel + `(\.` + hostLabel + `)*$`)

// hostLabel is one label of a host name.
const hostLabel = `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?`

// ParseOrigin checks that s is a web origin the portal can be reached at
// (RFC 6454 §4): scheme, host and optional port, nothing else but an
// optional final "/". The scheme is https, or http for a loopback host
// only (localhost or a loopback IP), since browsers offer WebAuthn to
// those alone. It returns the origin in canonical form, lower case and
// without the final "/". Errors say what is wrong without repeating s.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Opaque != "" || !strings.Contains(s, "://"):
		return "", errors.New("want scheme://host[:port], such as https://portal.example")
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || strings.Contains(s, "#"):
		return "", errors.New("want scheme://host[:port] and nothing else: no user, path, query or fragment")
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	ip := net.ParseIP(host)
	switch {
	case host == "":
		return "", errors.New("no host")
	case ip == nil && (len(host) > 253 || !hostPattern.MatchString(host)):
		return "", errors.New("host is neither a host name nor an IP address")
	case scheme == "https":
	case scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback()):
	case scheme == "http":
		return "", errors.New("http is allowed for a loopback host only (localhost, 127.0.0.0/8, ::1): use https")
	default:
		return "", errors.New("scheme must be https (or http for a loopback host)")
	}
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return "", errors.New("port must be a number from 1 to 65535")
		}
		return scheme + "://" + net.JoinHostPort(host, strconv.FormatUint(n, 10)), nil
	}
	if ip != nil && strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}
