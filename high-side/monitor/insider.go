package monitor

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxReportingOwners bounds the reporting owners read from one filing.
const maxReportingOwners = 64

// Insider is one reporting owner of an SEC Form 4 filing: a director,
// officer or ten-percent owner of the issuer (Securities Exchange Act
// §16(a)).
type Insider struct {
	CIK    string // rptOwnerCik, as written
	Name   string // rptOwnerName
	Symbol string // the issuer's trading symbol
}

type ownersXML struct {
	XMLName xml.Name `xml:"ownershipDocument"`
	Owners  []struct {
		CIK  string `xml:"reportingOwnerId>rptOwnerCik"`
		Name string `xml:"reportingOwnerId>rptOwnerName"`
	} `xml:"reportingOwner"`
}

// ParseForm4Insiders reads a Form 4 XML document and returns its reporting
// owners as insiders of its issuer. Besides the errors of ParseForm4, it
// returns an error for a filing with no reporting owner, more than 64, or
// an owner with neither CIK nor name.
func ParseForm4Insiders(data []byte) ([]Insider, error) {
	if len(data) > maxForm4Size {
		return nil, fmt.Errorf("malformed Form 4: larger than %d bytes", maxForm4Size)
	}
	f, err := ParseForm4(strings.NewReader(string(data)))
	if err != nil {
		return nil, err
	}
	var doc ownersXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("malformed Form 4: %v", err)
	}
	if len(doc.Owners) == 0 || len(doc.Owners) > maxReportingOwners {
		return nil, fmt.Errorf("malformed Form 4: %d reporting owners, want 1 to %d", len(doc.Owners), maxReportingOwners)
	}
	out := make([]Insider, 0, len(doc.Owners))
	for _, o := range doc.Owners {
		in := Insider{CIK: strings.TrimSpace(o.CIK), Name: strings.TrimSpace(o.Name), Symbol: f.Symbol}
		if insiderKey(in.CIK) == "" && insiderKey(in.Name) == "" {
			return nil, errors.New("malformed Form 4: reporting owner without CIK or name")
		}
		out = append(out, in)
	}
	return out, nil
}

// LoadForm4Insiders reads the insiders of every Form 4 file (*.xml) in
// dir, in file-name order. Errors name the file.
func LoadForm4Insiders(dir string) ([]Insider, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no Form 4 files (*.xml) in %s", dir)
	}
	sort.Strings(paths)
	var out []Insider
	for _, p := range paths {
		b, err := readLimited(p, maxForm4Size)
		if err != nil {
			return nil, err
		}
		ins, err := ParseForm4Insiders(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, ins...)
	}
	return out, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open Form 4: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", path, err)
	}
	return b, nil
}

// insiderKey normalises a CIK or a name for lookup: a CIK without its
// leading zeros, a name in lower case with single spaces.
func insiderKey(id string) string {
	id = strings.TrimSpace(id)
	if id != "" && strings.Trim(id, "0123456789") == "" {
		if k := strings.TrimLeft(id, "0"); k != "" {
			return k
		}
		return "0"
	}
	return strings.ToLower(strings.Join(strings.Fields(id), " "))
}

// insiderBook holds what the insider-dealing rule needs: the issuers of
// each insider and the event dates of each issuer.
type insiderBook struct {
	issuers  map[string]map[string]string // insider key -> symbol -> source
	calendar map[string][]time.Time       // symbol -> event dates (UTC midnight), sorted
}

// newInsiderBook loads the rule's Form 4 files, insiders and calendar.
func newInsiderBook(r *InsiderRule) (insiderBook, error) {
	b := insiderBook{issuers: map[string]map[string]string{}, calendar: map[string][]time.Time{}}
	if r.Action == Off {
		return b, nil
	}
	var ins []Insider
	if r.Form4Dir != "" {
		var err error
		if ins, err = LoadForm4Insiders(r.Form4Dir); err != nil {
			return b, err
		}
	}
	for _, c := range r.Insiders {
		ins = append(ins, Insider{CIK: c.ID, Symbol: c.Symbol})
	}
	for _, in := range ins {
		for _, id := range []string{in.CIK, in.Name} {
			if k := insiderKey(id); k != "" {
				b.add(k, in)
			}
		}
	}
	for _, e := range r.Events {
		d, _ := time.Parse(calendarDateLayout, e.Date) // checked by Validate
		b.calendar[e.Symbol] = append(b.calendar[e.Symbol], d)
	}
	for _, ds := range b.calendar {
		sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
	}
	return b, nil
}

func (b *insiderBook) add(key string, in Insider) {
	if b.issuers[key] == nil {
		b.issuers[key] = map[string]string{}
	}
	src := "rule pack"
	if in.Name != "" {
		src = "Form 4 " + in.Name + " CIK " + in.CIK
	}
	b.issuers[key][in.Symbol] = src
}

// nextEvent returns the first event of symbol on or after the UTC day
// following t, and whether one exists.
func (b *insiderBook) nextEvent(symbol string, t time.Time) (time.Time, bool) {
	for _, d := range b.calendar[symbol] {
		if d.After(t) {
			return d, true
		}
	}
	return time.Time{}, false
}

// insiderDealing runs on new and amended orders of a trader mapped to an
// insider: is the symbol an issuer of that insider with an event within
// the rule's days ahead?
func (m *Monitor) insiderDealing(c *orderCtx) finding {
	r, limit := &m.cfg.Orders.Insider, m.text.market.insider
	id := m.cfg.Traders[c.o.Trader].Insider
	if id == "" {
		return finding{observed: "trader not mapped to an insider", limit: limit}
	}
	src, ok := m.insiders.issuers[insiderKey(id)][c.o.Symbol]
	if !ok {
		return finding{observed: "not an insider of " + c.o.Symbol, limit: limit}
	}
	now := time.Unix(0, c.now).UTC()
	ev, ok := m.insiders.nextEvent(c.o.Symbol, now)
	if !ok || ev.Sub(now) > time.Duration(r.Days)*24*time.Hour {
		return finding{observed: "insider (" + src + "), no event ahead within the window", limit: limit}
	}
	obs := "insider (" + src + ") trading ahead of " + c.o.Symbol + " event on " + ev.Format(calendarDateLayout)
	return finding{fired: true, observed: obs, limit: limit}
}
