package cli

import (
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// EmptyFlag returns the name of the first flag of fs given an empty value,
// or a list flag given an empty item, or "" when there is none. A string
// flag given "" either lacks the value it needs or lets a default stand in
// quietly, such as reading a file named "".
func EmptyFlag(fs *pflag.FlagSet) string {
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

// RefuseEmpty is a PersistentPreRunE that refuses, as a usage error, a
// flag of c given an empty value.
func RefuseEmpty(c *cobra.Command, _ []string) error {
	if name := EmptyFlag(c.Flags()); name != "" {
		return Usagef("bad --%s: empty value", name)
	}
	return nil
}
