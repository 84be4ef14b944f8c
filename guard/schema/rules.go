package schema

import "bastion/shared/entry"

// The checks below restate package entry's field rules (entry/body.go,
// entry/envelope.go, entry/commit.go) over bytes. TestAgreesWithEntry and
// FuzzAgreesWithEntry hold them to entry.Parse.

// str returns a field reader for a string that check accepts.
func str(check func([]byte) bool) func(*reader) bool {
	return func(r *reader) bool {
		s, ok := r.str()
		return ok && check(s)
	}
}

// integer returns a field reader for an integer that check accepts.
func integer(check func(int64) bool) func(*reader) bool {
	return func(r *reader) bool { return r.intIs(check) }
}

// validID: 1 to 128 printable ASCII characters, no space, quote,
// backslash or slash.
func validID(s []byte) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c > '~' || c == '"' || c == '\\' || c == '/' {
			return false
		}
	}
	return true
}

// name returns the check for 1 to max characters of a-z, 0-9, '-', '_'.
func name(max int) func([]byte) bool {
	return func(s []byte) bool {
		if len(s) == 0 || len(s) > max {
			return false
		}
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
		return true
	}
}

// note returns the check of an omitempty free-text field: present only
// when not empty, at most max bytes.
func note(max int) func([]byte) bool {
	return func(s []byte) bool { return len(s) > 0 && len(s) <= max }
}

// validSymbol: 1 to 12 characters of A-Z, 0-9, '.' and '-'.
func validSymbol(s []byte) bool {
	if len(s) == 0 || len(s) > 12 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func currency(s []byte) bool { return len(s) == 3 && validSymbol(s) }

func orderEvent(s []byte) bool {
	switch entry.OrderEvent(s) {
	case entry.OrderNew, entry.OrderModify, entry.OrderCancel, entry.OrderRoute, entry.OrderExecute:
		return true
	}
	return false
}

func side(s []byte) bool { return entry.Side(s) == entry.Buy || entry.Side(s) == entry.Sell }

func paymentKind(s []byte) bool {
	switch string(s) {
	case "transfer", "payment", "cash_out", "cash_in", "debit", "wire":
		return true
	}
	return false
}

// isCommitment: "c1:" and 64 hex digits of either case (entry.IsCommitment
// decodes them with encoding/hex).
func isCommitment(s []byte) bool {
	if len(s) != 67 || string(s[:3]) != "c1:" {
		return false
	}
	for _, c := range s[3:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
