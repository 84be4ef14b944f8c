package main

import (
	"fmt"
	"strings"

	"bastion/diode"
)

// maxRanges is how many lost ranges the exit error names.
const maxRanges = 8

// outcome gathers, from the receiver's events, what a transfer lacks: the
// batches declared lost and how the last session ended.
type outcome struct {
	lost   uint64
	ranges []string
	more   int
	end    *diode.Event // the Final event, unless the session closed
}

// note records e. A new session starts a new outcome.
func (o *outcome) note(e diode.Event) {
	switch {
	case e.Kind == diode.KindSessionStarted || e.Kind == diode.KindSenderRestart:
		*o = outcome{}
	case e.Kind == diode.KindLost:
		o.lost += e.Count
		if len(o.ranges) == maxRanges {
			o.more++
			return
		}
		r := fmt.Sprint(e.First)
		if e.Last != e.First {
			r += fmt.Sprintf("..%d", e.Last)
		}
		o.ranges = append(o.ranges, r)
	case e.Kind == diode.KindSessionExpired || e.Kind == diode.KindUnannounced:
		o.end = &e
	}
}

// err names what is missing, with files, the output's own verdict, or
// returns nil.
func (o *outcome) err(files error) error {
	var parts []string
	if o.lost > 0 {
		r := strings.Join(o.ranges, ", ")
		if o.more > 0 {
			r += fmt.Sprintf(" and %d more range(s)", o.more)
		}
		parts = append(parts, fmt.Sprintf("%d batch(es) lost: %s", o.lost, r))
	}
	// A session that expired with nothing known missing (a sender stopped
	// without its closing heartbeat) is left to the file check.
	if e := o.end; e != nil && (o.lost > 0 || e.Kind == diode.KindUnannounced) {
		parts = append(parts, fmt.Sprintf("%s: %s", e.Kind, e.Message))
	}
	if files != nil {
		parts = append(parts, files.Error())
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("transfer incomplete: %s", strings.Join(parts, "; "))
}
