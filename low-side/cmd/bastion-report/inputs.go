package main

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/shared/cli"
)

// needs names the flag each report kind cannot be made without.
var needs = map[report.Kind]string{report.KindSOX: "--guard-log", report.KindBasel: "--capital"}

// selectKinds returns the kinds to make. Asked for explicitly, a kind whose
// input flag is missing is a usage error; by default it is left out with a
// warning.
func selectKinds(o bundleOptions, explicit bool, log *slog.Logger) ([]report.Kind, error) {
	kinds, err := parseKinds(o.kinds)
	if err != nil {
		return nil, err
	}
	given := map[string]bool{"--guard-log": o.guardLog != "", "--capital": o.capital != ""}
	out := kinds[:0]
	for _, k := range kinds {
		flag, ok := needs[k]
		switch {
		case !ok || given[flag]:
			out = append(out, k)
		case explicit:
			return nil, cli.Usage(fmt.Errorf("report kind %s needs %s", k, flag))
		default:
			log.Warn("report kind skipped", slog.String("kind", string(k)), slog.String("missing", flag))
		}
	}
	return slices.Clip(out), nil
}

// loadInputs reads the guard log and capital files the kinds need.
func loadInputs(o bundleOptions, opt *report.Options) error {
	var err error
	if o.capital != "" {
		if opt.Capital, err = report.LoadCapital(o.capital); err != nil {
			return cli.Usage(err)
		}
	}
	if o.guardLog != "" {
		if opt.GuardLog, err = readGuardLog(o.guardLog); err != nil {
			return err
		}
	}
	return nil
}

// readGuardLog reads every record of the guard log file. A line that does
// not parse, or breaks the hash chain, is an error naming its line number:
// evidence built on a damaged log would not be complete.
func readGuardLog(path string) ([]report.GuardEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open guard log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4<<10), guardlog.MaxLineSize+1)
	var out []report.GuardEvent
	prev := guardlog.GenesisHash
	for n := 1; sc.Scan(); n++ {
		l, err := guardlog.ParseLine(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("guard log line %d: %w", n, err)
		}
		if l.Prev != prev || l.Seq != uint64(len(out))+1 {
			return nil, fmt.Errorf("guard log line %d: hash chain broken", n)
		}
		prev = l.Hash
		out = append(out, report.GuardEvent{Seq: l.Seq, Time: l.Time, BatchSeq: l.BatchSeq, Stage: l.Stage,
			Decision: string(l.Decision), Reason: l.Reason, Hash: l.Hash})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("guard log line %d: over %d bytes", len(out)+1, guardlog.MaxLineSize)
		}
		return nil, fmt.Errorf("failed to read guard log: %w", err)
	}
	return out, nil
}
