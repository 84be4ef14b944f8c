package main

import (
	"slices"

	"github.com/spf13/pflag"

	"bastion/high-side/hsm"
	"bastion/shared/cli"
	"bastion/shared/hybrid"
)

// Limits of a ceremony as hsm.Ceremony enforces them. The flags are
// checked against them first, so that a refusal names the flag: given
// zero or less, hsm.Ceremony would quietly take its default instead.
const (
	maxTokens    = 64
	minThreshold = 2
	maxShares    = 255
	// maxLabelPrefix leaves room for "-NN" in a 32-byte token label.
	maxLabelPrefix = 28
)

// keyNameRule says what hybrid.ValidKeyName accepts.
const keyNameRule = "want 1 to 64 characters from A-Z a-z 0-9 . _ -, not starting with a dot"

// refuseEmpty refuses a string flag given with an empty value, and a list
// flag given an empty item. Every such flag of bastionctl either needs a
// value or has a default the empty value would quietly stand in for.
func refuseEmpty(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if err != nil || !f.Changed {
			return
		}
		sv, isList := f.Value.(pflag.SliceValue)
		switch {
		case isList && len(sv.GetSlice()) == 0,
			!isList && f.Value.Type() == "string" && f.Value.String() == "":
			err = cli.Usagef("--%s is empty: give it a value or leave it out", f.Name)
		case isList && slices.Contains(sv.GetSlice(), ""):
			err = cli.Usagef("--%s has an empty item", f.Name)
		}
	})
	return err
}

// checkRange refuses v outside lo to hi, naming flag.
func checkRange(flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return cli.Usagef("--%s %d is out of range: want %d to %d", flag, v, lo, hi)
	}
	return nil
}

// checkKeyName refuses a name hybrid.ValidKeyName refuses, naming flag.
func checkKeyName(flag, name string) error {
	if !hybrid.ValidKeyName(name) {
		return cli.Usagef("--%s %q is invalid: %s", flag, name, keyNameRule)
	}
	return nil
}

// checkSuite refuses a suite that is not one of hybrid.Suites, naming
// flag.
func checkSuite(flag, suite string) error {
	if !slices.Contains(hybrid.Suites(), hybrid.Suite(suite)) {
		return cli.Usagef("--%s %q is not a suite: want one of %s", flag, suite, suiteNames())
	}
	return nil
}

// checkCeremony checks the flags of a new ceremony, c with its suite,
// before anything is created: --tokens, --shares, --threshold, --suite and
// --key-name. The token label prefix is checked by checkLabelPrefix where
// a command has that flag, and by hsm.Ceremony in any case.
func checkCeremony(c *hsm.Ceremony, suite string) error {
	if err := checkRange("tokens", c.Tokens, 1, maxTokens); err != nil {
		return err
	}
	if err := checkRange("shares", c.Shares, minThreshold, maxShares); err != nil {
		return err
	}
	if c.Threshold < minThreshold || c.Threshold > c.Shares {
		return cli.Usagef("--threshold %d is out of range: want %d to %d, the --shares value",
			c.Threshold, minThreshold, c.Shares)
	}
	if err := checkSuite("suite", suite); err != nil {
		return err
	}
	return checkKeyName("key-name", c.KeyName)
}

// checkLabelPrefix refuses a token label prefix hsm.Ceremony would
// refuse, naming flag.
func checkLabelPrefix(flag, prefix string) error {
	if !hybrid.ValidKeyName(prefix) || len(prefix) > maxLabelPrefix {
		return cli.Usagef("--%s %q is invalid: want 1 to %d characters from A-Z a-z 0-9 . _ -, "+
			"not starting with a dot", flag, prefix, maxLabelPrefix)
	}
	return nil
}
