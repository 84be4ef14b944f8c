package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/shared/cli"
)

// needs names the flag each report kind cannot be made without.
var needs = map[report.Kind]string{report.KindSOX: "--guard-log", report.KindBasel: "--capital"}

// selectKinds returns the kinds to make. Without --kind (explicit false)
// they are the default kinds: every kind whose input flag is given
// (defaultKinds). A kind named in --kind whose input flag is missing is a
// usage error naming the flag.
func selectKinds(o bundleOptions, explicit bool) ([]report.Kind, error) {
	given := map[string]bool{"--guard-log": o.guardLog != "", "--capital": o.capital != ""}
	if !explicit {
		return defaultKinds(given), nil
	}
	kinds, err := parseKinds(o.kinds)
	if err != nil {
		return nil, err
	}
	if len(kinds) == 0 {
		return nil, cli.Usagef("bad --kind: no report kind given")
	}
	for _, k := range kinds {
		if flag, ok := needs[k]; ok && !given[flag] {
			return nil, cli.Usagef("report kind %s needs %s", k, flag)
		}
	}
	return kinds, nil
}

// defaultKinds returns report.Kinds less those whose input flag is not
// given.
func defaultKinds(given map[string]bool) []report.Kind {
	var out []report.Kind
	for _, k := range report.Kinds {
		if flag, ok := needs[k]; !ok || given[flag] {
			out = append(out, k)
		}
	}
	return out
}

// kindHelp describes --kind: the kinds, and the default.
func kindHelp() string {
	var always, cond []string
	for _, k := range report.Kinds {
		if flag, ok := needs[k]; ok {
			cond = append(cond, fmt.Sprintf("%s with %s", k, flag))
		} else {
			always = append(always, string(k))
		}
	}
	return "report kinds to make, comma-separated (default: the kinds whose inputs are given: " +
		strings.Join(always, ", ") + "; " + strings.Join(cond, "; ") + ")"
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
