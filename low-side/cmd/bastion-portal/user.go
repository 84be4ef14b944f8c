package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bastion/low-side/portal"
	"bastion/low-side/portal/login"
	"bastion/shared/cli"
)

// userCommand is "bastion-portal user": managing the users file.
func userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage portal users", Args: cobra.NoArgs}
	cmd.AddCommand(userAddCommand())
	return cmd
}

// userAddOptions are the flags of "user add".
type userAddOptions struct {
	users, name, role, origin string
	valid                     time.Duration
}

func userAddCommand() *cobra.Command {
	var o userAddOptions
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a user: print their TOTP URI and one-time security key registration link",
		Long: "Add a user to the users file (created with mode 0600 if missing) and print,\n" +
			"one per line as key: value, in this order: user, role, totp_uri,\n" +
			"registration_link, registration_token, expires (RFC 3339).\n" +
			"The output holds secrets: hand it to the user over a trusted channel only.\n\n" +
			"--origin is the portal's origin as browsers reach it: https://host[:port], or\n" +
			"http:// for localhost or a loopback IP; no path, query or fragment.\n\n" +
			"Exit codes: 0 added, 1 failure (users file unreadable, name taken),\n" +
			"2 usage error (unknown flag, missing or invalid flag value). A refused\n" +
			"command leaves the users file as it was.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return addUser(cmd.OutOrStdout(), o, time.Now())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.users, "users", "", "users file (required)")
	f.StringVar(&o.name, "name", "", "user name: a-z 0-9 . _ - (required)")
	f.StringVar(&o.role, "role", "", "regulator, auditor or security (required)")
	f.StringVar(&o.origin, "origin", "http://localhost:8443",
		"origin the portal is reached at, for the link: https://host[:port] (http only for loopback)")
	f.DurationVar(&o.valid, "valid", login.DefaultEnrolmentValidity, "how long the registration token works")
	for _, name := range []string{"users", "name", "role"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

// addUser enrols a user and prints the invitation as key: value lines.
// Invalid flag values are usage errors naming the flag; an echoed value
// is clipped (portal.Clip).
func addUser(out io.Writer, o userAddOptions, now time.Time) error {
	if err := login.CheckName(o.name); err != nil {
		return cli.Usagef("bad --name %q: %v", portal.Clip(o.name), err)
	}
	role, err := login.ParseRole(o.role)
	if err != nil {
		return cli.Usagef("bad --role %q: want one of %s", portal.Clip(o.role), roleNames())
	}
	origin, err := login.ParseOrigin(o.origin)
	if err != nil {
		return cli.Usagef("bad --origin %q: %v", portal.Clip(o.origin), err)
	}
	if o.valid <= 0 {
		return cli.Usagef("bad --valid %v: want a positive duration", o.valid)
	}
	inv, err := login.AddUser(o.users, o.name, role, origin, o.valid, now)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "user: %s\nrole: %s\ntotp_uri: %s\nregistration_link: %s\nregistration_token: %s\nexpires: %s\n",
		inv.Name, inv.Role, inv.TOTPURI, inv.Link, inv.Token, inv.Expires.Format(time.RFC3339))
	return err
}

// roleNames lists the roles for an error message.
func roleNames() string {
	names := make([]string, len(login.Roles))
	for i, r := range login.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}
