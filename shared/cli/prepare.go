package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// preparedKey marks a command Prepare has already set up.
const preparedKey = "bastion/shared/cli.prepared"

// Prepare sets up root and every subcommand it holds now so that cobra
// prints neither errors nor usage by itself and every command-line
// mistake is returned as a UsageError: unparsable or unknown flags, an
// argument count the command refuses, missing required flags and flag
// groups, and an unknown subcommand. A command group run without a
// subcommand prints its usage to stderr and fails with an empty
// UsageError. Prepare may be called more than once.
func Prepare(root *cobra.Command) {
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return Usage(err) })
	prepareTree(root)
}

func prepareTree(c *cobra.Command) {
	for _, sub := range c.Commands() {
		prepareTree(sub)
	}
	if c.Annotations[preparedKey] != "" {
		return
	}
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[preparedKey] = "yes"
	if !c.Runnable() && c.HasSubCommands() {
		c.RunE = showUsage
		c.Args = groupArgs
		return
	}
	c.Args = checkArgs(c.Args)
}

// groupArgs refuses an unknown subcommand and shows the usage of a group
// run without one, before cobra checks the group's required flags.
func groupArgs(c *cobra.Command, a []string) error {
	if len(a) > 0 {
		return Usagef("unknown command %q for %q", a[0], c.CommandPath())
	}
	return showUsage(c, a)
}

// checkArgs wraps a command's argument check so that it, and the checks
// of required flags and flag groups cobra runs next, fail with a
// UsageError.
func checkArgs(args cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := checkPositional(args, c, a); err != nil {
			return Usage(err)
		}
		if err := c.ValidateRequiredFlags(); err != nil {
			return Usage(err)
		}
		return Usage(c.ValidateFlagGroups())
	}
}

// checkPositional runs args, or when it is nil refuses arguments to a
// command group the way cobra does for a root command.
func checkPositional(args cobra.PositionalArgs, c *cobra.Command, a []string) error {
	if args != nil {
		return args(c, a)
	}
	if c.HasSubCommands() && len(a) > 0 {
		return fmt.Errorf("unknown command %q for %q", a[0], c.CommandPath())
	}
	return nil
}

// showUsage prints the usage of a command group run without a subcommand
// to stderr and returns an empty UsageError.
func showUsage(c *cobra.Command, _ []string) error {
	c.PrintErr(c.UsageString())
	return &UsageError{}
}
