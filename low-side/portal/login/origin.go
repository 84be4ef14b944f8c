package login

import (
	"errors"
	"net/netip"
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
// only (localhost, 127.0.0.0/8 or ::1), since browsers offer WebAuthn to
// those alone. It returns the origin as a browser serialises it (WHATWG
// URL §4.4): lower case, IPv6 addresses compressed (RFC 5952), the default
// port (443 for https, 80 for http) and a final "/" dropped. Errors say
// what is wrong without repeating s.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Opaque != "" || !strings.Contains(s, "://"):
		return "", errors.New("want scheme://host[:port], such as https://portal.example")
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || strings.Contains(s, "#"):
		return "", errors.New("want scheme://host[:port] and nothing else: no user, path, query or fragment")
	}
	scheme := strings.ToLower(u.Scheme)
	host, loopback, err := parseHost(u.Hostname())
	switch {
	case err != nil:
		return "", err
	case scheme == "https":
	case scheme == "http" && loopback:
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
		if n != defaultPort[scheme] {
			return scheme + "://" + host + ":" + strconv.FormatUint(n, 10), nil
		}
	}
	return scheme + "://" + host, nil
}

// defaultPort is the port a browser leaves out of an origin, by scheme.
var defaultPort = map[string]uint64{"https": 443, "http": 80}

// parseHost checks the host of an origin and returns it as a browser
// serialises it (an IPv6 address compressed and in brackets), and whether
// a browser counts it as loopback for a secure context (W3C Secure
// Contexts §3.2): localhost, 127.0.0.0/8 or ::1. An IPv4-mapped IPv6
// address is refused, as is a host name whose last label is a number,
// which a browser parses as an IPv4 address (WHATWG URL §3.5) and rejects
// unless it is one.
func parseHost(h string) (host string, loopback bool, err error) {
	h = strings.ToLower(h)
	if h == "" {
		return "", false, errors.New("no host")
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		switch {
		case ip.Is4In6():
			return "", false, errors.New("host is an IPv4-mapped IPv6 address: use the IPv4 address")
		case ip.Zone() != "":
			return "", false, errors.New("host is an IPv6 address with a zone, which browsers refuse")
		case ip.Is6():
			return "[" + ip.String() + "]", ip.IsLoopback(), nil
		}
		return ip.String(), ip.IsLoopback(), nil
	}
	if len(h) > 253 || !hostPattern.MatchString(h) {
		return "", false, errors.New("host is neither a host name nor an IP address")
	}
	if last := h[strings.LastIndexByte(h, '.')+1:]; numericLabel.MatchString(last) {
		return "", false, errors.New("host ends in a number but is not an IPv4 address a.b.c.d")
	}
	return h, h == "localhost", nil
}

// numericLabel is a label a browser reads as a number (WHATWG URL §3.5,
// "ends in a number"): decimal digits, or 0x and hex digits.
var numericLabel = regexp.MustCompile(`^([0-9]+|0x[0-9a-f]*)$`)
