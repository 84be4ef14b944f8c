package main

import (
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"bastion/shared/cli"
)

// emptyFlag returns the name of the first flag of fs given an empty value,
// or a list flag given an empty item, or "" when there is none. Every
// string flag of this command either needs a value or has a default that
// an empty value would quietly stand in for, such as reading a file
// named "".
func emptyFlag(fs *pflag.FlagSet) string {
	var name string
	fs.VisitAll(func(f *pflag.Flag) {
		if name != "" || !f.Changed {
			return
		}
		sv, isList := f.Value.(pflag.SliceValue)
		switch {
		case isList && (len(sv.GetSlice()) == 0 || slices.Contains(sv.GetSlice(), "")),
			!isList && f.Value.Type() == "string" && f.Value.String() == "":
			name = f.Name
		}
	})
	return name
}

// refuseEmpty refuses, as a usage error, a flag of c given an empty value.
func refuseEmpty(c *cobra.Command, _ []string) error {
	if name := emptyFlag(c.Flags()); name != "" {
		return cli.Usagef("bad --%s: empty value", name)
	}
	return nil
}
