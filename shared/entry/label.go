package entry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Level is a classification level. Levels are totally ordered; a subject
// may read an object only when its level dominates the object's
// (Bell-LaPadula simple security property).
type Level uint8

// Classification levels, lowest first.
const (
	Public Level = iota
	Internal
	Confidential
	Secret
)

var levelNames = [...]string{"public", "internal", "confidential", "secret"}

// String returns the level's lower-case name.
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// ParseLevel returns the level named s.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown classification level %q", s)
}

// MarshalJSON encodes the level by name.
func (l Level) MarshalJSON() ([]byte, error) {
	if int(l) >= len(levelNames) {
		return nil, fmt.Errorf("unknown classification level %d", uint8(l))
	}
	return json.Marshal(l.String())
}

// UnmarshalJSON decodes a level name; unknown names are an error.
func (l *Level) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("classification level must be a string: %v", err)
	}
	v, err := ParseLevel(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// maxCompartments bounds the compartments one label may carry.
const maxCompartments = 16

// Label is a classification label: a level and a set of compartments
// (information barriers). Compartments are kept sorted and unique.
type Label struct {
	Level        Level    `json:"level"`
	Compartments []string `json:"compartments,omitempty"`
}

// NewLabel returns a label with the compartments sorted and deduplicated.
func NewLabel(level Level, compartments ...string) Label {
	c := slices.Clone(compartments)
	slices.Sort(c)
	return Label{Level: level, Compartments: slices.Compact(c)}
}

// Dominates reports whether l dominates o: l's level is at least o's and
// l holds every compartment of o.
func (l Label) Dominates(o Label) bool {
	if l.Level < o.Level {
		return false
	}
	for _, c := range o.Compartments {
		if !slices.Contains(l.Compartments, c) {
			return false
		}
	}
	return true
}

// Validate checks the label's level and compartments: a compartment is 1 to
// 32 characters of a-z, 0-9 and '-', sorted and unique.
func (l Label) Validate() error {
	if int(l.Level) >= len(levelNames) {
		return fmt.Errorf("unknown classification level %d", uint8(l.Level))
	}
	if len(l.Compartments) > maxCompartments {
		return fmt.Errorf("label has %d compartments, at most %d allowed", len(l.Compartments), maxCompartments)
	}
	for i, c := range l.Compartments {
		if !validName(c, 32) {
			return fmt.Errorf("malformed compartment %q", c)
		}
		if i > 0 && l.Compartments[i-1] >= c {
			return fmt.Errorf("compartments not sorted and unique at %q", c)
		}
	}
	return nil
}

// String renders the label as LEVEL or LEVEL/comp1,comp2.
func (l Label) String() string {
	if len(l.Compartments) == 0 {
		return l.Level.String()
	}
	return l.Level.String() + "/" + strings.Join(l.Compartments, ",")
}

// ParseLabel parses the form written by String.
func ParseLabel(s string) (Label, error) {
	lvl, comps, _ := strings.Cut(s, "/")
	level, err := ParseLevel(lvl)
	if err != nil {
		return Label{}, err
	}
	var c []string
	if comps != "" {
		c = strings.Split(comps, ",")
	}
	l := NewLabel(level, c...)
	return l, l.Validate()
}

// validName reports whether s is 1 to max characters of a-z, 0-9, '-' and '_'.
func validName(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
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
