// Package records is the high side's records management: retention
// classes and their schedule, legal holds, disposal by crypto-shredding,
// signed disclosures of committed fields, and the versions of amended
// records.
//
// The sensitive values of an entry (the values and salts behind its
// commitments) live in the ledger's openings store, one value per ledger
// index holding every committed field of that entry (see Vault). Shredding
// destroys that value; the entry's bytes, its leaf hash and every tree
// hash stay, so every root, inclusion proof and consistency proof ever
// issued stays valid, and the low side, which never had the values, sees
// no difference.
package records

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"bastion/shared/entry"
)

//go:embed schedule.toml
var defaultSchedule []byte

// Class is a retention class: how long the sensitive values of its
// entries are kept, from the entry's time, and the regulation or policy
// that sets it.
type Class struct {
	Name   string
	Retain Period
	Basis  string
}

// Rule maps entries to a class. An entry matches when its type (for an
// amendment, the amended record's type) is Type and, when set, its order
// event is one of Events and its configuration key starts with KeyPrefix.
type Rule struct {
	Name      string
	Type      entry.Type
	Events    []entry.OrderEvent
	KeyPrefix string
	Class     string
}

// Schedule is a set of classes and the ordered rules that map entries to
// them. It is read-only after loading and safe for concurrent use.
type Schedule struct {
	Classes map[string]Class
	Rules   []Rule
	Digest  string // hex SHA-256 of the TOML it was loaded from
}

// scheduleFile is the TOML form of a schedule.
type scheduleFile struct {
	Classes map[string]struct {
		Retain string `toml:"retain"`
		Basis  string `toml:"basis"`
	} `toml:"classes"`
	Rules []struct {
		Name      string   `toml:"name"`
		Type      string   `toml:"type"`
		Events    []string `toml:"events"`
		KeyPrefix string   `toml:"key_prefix"`
		Class     string   `toml:"class"`
	} `toml:"rules"`
}

// DefaultSchedule returns the built-in schedule (schedule.toml in this
// package): trade records and payments 6 years, order tickets 3 years,
// clock-sync logs 5 years, access logs 12 months, other system records 6
// years.
func DefaultSchedule() *Schedule {
	s, err := ParseSchedule(defaultSchedule)
	if err != nil {
		panic("records: built-in schedule: " + err.Error())
	}
	return s
}

// ParseSchedule reads a schedule in TOML. Unknown keys, a period that does
// not parse, an unknown entry type or order event, a rule naming an
// unknown class and duplicate names are errors naming the key.
func ParseSchedule(b []byte) (*Schedule, error) {
	var f scheduleFile
	dec := toml.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, fmt.Errorf("malformed schedule at line %d column %d: %v", row, col, err)
		}
		return nil, fmt.Errorf("malformed schedule: %v", err)
	}
	sum := sha256.Sum256(b)
	s := &Schedule{Classes: map[string]Class{}, Digest: hex.EncodeToString(sum[:])}
	if err := s.addClasses(f); err != nil {
		return nil, err
	}
	if err := s.addRules(f); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Schedule) addClasses(f scheduleFile) error {
	if len(f.Classes) == 0 {
		return errors.New("schedule has no classes")
	}
	for name, c := range f.Classes {
		if !validName(name) {
			return fmt.Errorf("classes.%s: malformed class name", name)
		}
		p, err := ParsePeriod(c.Retain)
		if err != nil {
			return fmt.Errorf("classes.%s.retain: %v", name, err)
		}
		s.Classes[name] = Class{Name: name, Retain: p, Basis: c.Basis}
	}
	return nil
}

func (s *Schedule) addRules(f scheduleFile) error {
	seen := map[string]bool{}
	for i, r := range f.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		switch {
		case !validName(r.Name) || seen[r.Name]:
			return fmt.Errorf("%s.name: missing, malformed or duplicate name %q", at, r.Name)
		case !entry.Amendable(entry.Type(r.Type)):
			return fmt.Errorf("%s.type: unknown or unclassifiable entry type %q", at, r.Type)
		case s.Classes[r.Class].Name == "":
			return fmt.Errorf("%s.class: unknown class %q", at, r.Class)
		case len(r.Events) > 0 && r.Type != string(entry.TypeOrder):
			return fmt.Errorf("%s.events: only order rules have events", at)
		case r.KeyPrefix != "" && r.Type != string(entry.TypeConfig):
			return fmt.Errorf("%s.key_prefix: only config rules have a key prefix", at)
		}
		rule := Rule{Name: r.Name, Type: entry.Type(r.Type), KeyPrefix: r.KeyPrefix, Class: r.Class}
		for _, ev := range r.Events {
			if !entry.ValidOrderEvent(entry.OrderEvent(ev)) {
				return fmt.Errorf("%s.events: unknown order event %q", at, ev)
			}
			rule.Events = append(rule.Events, entry.OrderEvent(ev))
		}
		seen[r.Name] = true
		s.Rules = append(s.Rules, rule)
	}
	return nil
}

// Classify returns the class of e and the rule that chose it; ok is false
// when no rule matches (the entry is never disposed). It returns an error
// for a body that does not decode.
func (s *Schedule) Classify(e *entry.Envelope) (c Class, rule string, ok bool, err error) {
	t, body := e.Type, e.Body
	if t == entry.TypeAmendment {
		var a entry.Amendment
		if err := json.Unmarshal(body, &a); err != nil {
			return Class{}, "", false, fmt.Errorf("malformed amendment %s: %v", e.ID, err)
		}
		t, body = a.RecordType, a.Body
	}
	var probe struct {
		Event entry.OrderEvent `json:"event"`
		Key   string           `json:"key"`
	}
	if t == entry.TypeOrder || t == entry.TypeConfig {
		if err := json.Unmarshal(body, &probe); err != nil {
			return Class{}, "", false, fmt.Errorf("malformed %s body of %s: %v", t, e.ID, err)
		}
	}
	for _, r := range s.Rules {
		if r.Type == t && (len(r.Events) == 0 || slices.Contains(r.Events, probe.Event)) &&
			strings.HasPrefix(probe.Key, r.KeyPrefix) {
			return s.Classes[r.Class], r.Name, true, nil
		}
	}
	return Class{}, "", false, nil
}

// validName reports whether s is 1 to 64 characters of a-z, 0-9, '-'
// and '_'.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
