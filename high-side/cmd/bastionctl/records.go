package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bastion/high-side/node/peertls"
	"bastion/high-side/records"
)

// gatewayFlags name a gateway and the client certificate to call it with;
// the certificate's subject is the recorded actor.
type gatewayFlags struct {
	url, pki, as string
}

func (g *gatewayFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&g.url, "gateway", "", "the gateway's base URL, https://HOST:PORT (required)")
	c.Flags().StringVar(&g.pki, "pki", "", "the cluster PKI directory holding the client certificate (required)")
	c.Flags().StringVar(&g.as, "as", "", "the client certificate's name: the actor (required)")
	for _, f := range []string{"gateway", "pki", "as"} {
		c.MarkFlagRequired(f)
	}
}

// call sends one request and returns the status and body (at most 1 MiB).
func (g *gatewayFlags) call(ctx context.Context, method, path string, body any) (int, []byte, error) {
	tc, err := peertls.GatewayClientConfig(g.pki, g.as)
	if err != nil {
		return 0, nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(g.url, "/")+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("malformed gateway URL: %w", err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("failed to reach the gateway: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}

// expectOK returns an error carrying the gateway's answer unless 200.
func expectOK(code int, body []byte) error {
	if code == http.StatusOK {
		return nil
	}
	return fmt.Errorf("gateway answered %d: %s", code, bytes.TrimSpace(body))
}

func init() {
	rc := &cobra.Command{Use: "records", Short: "Records management: versions, disposal, retention schedule"}
	rc.AddCommand(versionsCommand(), disposeCommand(), scheduleCommand())
	root.AddCommand(rc)
}

// versionsCommand is "records versions INDEX": every version of a record.
func versionsCommand() *cobra.Command {
	var g gatewayFlags
	c := &cobra.Command{
		Use:   "versions INDEX",
		Short: "Print every version of a record: who changed it, when, and the body",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := strconv.ParseUint(args[0], 10, 64); err != nil {
				return fmt.Errorf("malformed record index %q", args[0])
			}
			code, body, err := g.call(cmd.Context(), "GET", "/v1/records/"+args[0]+"/versions", nil)
			if err == nil {
				err = expectOK(code, body)
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(body, '\n'))
			return err
		},
	}
	g.register(c)
	return c
}

// disposeCommand is "records dispose": run the disposal job once.
func disposeCommand() *cobra.Command {
	var g gatewayFlags
	c := &cobra.Command{
		Use:   "dispose",
		Short: "Run the retention schedule's disposal job once and print what it destroyed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			code, body, err := g.call(cmd.Context(), "POST", "/v1/disposals", nil)
			if err == nil {
				err = expectOK(code, body)
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(body, '\n'))
			return err
		},
	}
	g.register(c)
	return c
}

// scheduleCommand is "records schedule [FILE]": check a retention
// schedule and print its classes and rules (the built-in one without
// FILE).
func scheduleCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schedule [FILE]",
		Short: "Check a retention schedule and print its classes and rules",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := records.DefaultSchedule()
			if len(args) == 1 {
				b, err := os.ReadFile(args[0])
				if err != nil {
					return fmt.Errorf("failed to read schedule: %w", err)
				}
				if s, err = records.ParseSchedule(b); err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
			}
			printSchedule(cmd.OutOrStdout(), s)
			return nil
		},
	}
}

// printSchedule writes "rule type[/events|key_prefix*] class retain".
func printSchedule(w io.Writer, s *records.Schedule) {
	fmt.Fprintf(w, "schedule %s\n", s.Digest)
	for _, r := range s.Rules {
		match := string(r.Type)
		switch {
		case len(r.Events) > 0:
			ev := make([]string, len(r.Events))
			for i, e := range r.Events {
				ev[i] = string(e)
			}
			match += "/" + strings.Join(ev, ",")
		case r.KeyPrefix != "":
			match += "/" + r.KeyPrefix + "*"
		}
		c := s.Classes[r.Class]
		fmt.Fprintf(w, "%s %s %s %s\n", r.Name, match, c.Name, c.Retain)
	}
}
