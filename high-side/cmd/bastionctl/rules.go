package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bastion/high-side/gateway"
	"bastion/high-side/node"
	"bastion/high-side/node/peertls"
	"bastion/shared/hybrid"

	"github.com/spf13/cobra"
)

func init() {
	rc := &cobra.Command{Use: "rules", Short: "Rule packs: make a signing key, sign, verify and push"}
	rc.AddCommand(rulesKeygenCommand(), rulesSignCommand(), rulesVerifyCommand(), rulesPushCommand())
	root.AddCommand(rc)
}

// rulesKeygenCommand is "rules keygen --out DIR": a rule-pack key,
// NAME.key (0600) and its published key NAME.pub for the nodes.
func rulesKeygenCommand() *cobra.Command {
	var dir, name, suite string
	c := &cobra.Command{
		Use:   "keygen",
		Short: "Make a rule-pack signing key (NAME.key, mode 0600) and its published key (NAME.pub)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkKeyName("name", name); err != nil {
				return err
			}
			if err := checkSuite("suite", suite); err != nil {
				return err
			}
			key, pub, err := newPackKey(name, hybrid.Suite(suite))
			if err != nil {
				return err
			}
			defer clear(key)
			// Neither file may exist; a key without its published key is
			// removed again.
			keyPath, pubPath := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
			if err := createFile("rule-pack key", keyPath, key, 0o600); err != nil {
				return err
			}
			if err := createFile("published key", pubPath, pub, 0o644); err != nil {
				os.Remove(keyPath)
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), pubPath)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "out", ".", "directory for NAME.key and NAME.pub (neither may exist)")
	c.Flags().StringVar(&name, "name", "rulepack", "key name")
	c.Flags().StringVar(&suite, "suite", string(hybrid.SuiteMLDSA65P256), "composite signature suite: "+suiteNames())
	return c
}

// rulesSignCommand is "rules sign --key FILE pack.toml": the signed pack
// on stdout, or in --out, a file that must not exist yet.
func rulesSignCommand() *cobra.Command {
	var keyPath, out string
	c := &cobra.Command{
		Use:   "sign --key FILE PACK.toml",
		Short: "Validate a rule pack and sign it with the rule-pack key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := loadPackKey(keyPath)
			if err != nil {
				return err
			}
			pack, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("failed to read rule pack: %w", err)
			}
			signed, err := node.SignPack(pack, s.name, s)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if out == "" {
				_, err = cmd.OutOrStdout().Write(signed)
				return err
			}
			return createFile("--out", out, signed, 0o644)
		},
	}
	c.Flags().StringVar(&keyPath, "key", "", "rule-pack key file (required)")
	c.Flags().StringVar(&out, "out", "", "write the signed pack to this new file (0644) instead of stdout")
	c.MarkFlagRequired("key")
	return c
}

// rulesVerifyCommand is "rules verify --pub FILE SIGNED": checks the
// signature and the pack and prints the version.
func rulesVerifyCommand() *cobra.Command {
	var pubPath string
	c := &cobra.Command{
		Use:   "verify --pub FILE SIGNED",
		Short: "Verify a signed rule pack against the published rule-pack key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pubText, err := os.ReadFile(pubPath)
			if err != nil {
				return fmt.Errorf("failed to read published key: %w", err)
			}
			_, pub, err := hybrid.ParsePublicKeyText(pubText)
			if err != nil {
				return fmt.Errorf("%s: %w", pubPath, err)
			}
			signed, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("failed to read signed pack: %w", err)
			}
			p, err := node.ParseSignedPack(signed)
			if err != nil {
				return err
			}
			cfg, err := p.Verify(pub)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), cfg.Version)
			return nil
		},
	}
	c.Flags().StringVar(&pubPath, "pub", "", "published rule-pack key (required)")
	c.MarkFlagRequired("pub")
	return c
}

// rulesPushCommand is "rules push SIGNED": POST /v1/rulepack, printing
// the receipt.
func rulesPushCommand() *cobra.Command {
	var g gatewayFlags
	c := &cobra.Command{
		Use:   "push SIGNED",
		Short: "Put a signed rule pack in force on every node (needs the configure action)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			signed, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("failed to read signed pack: %w", err)
			}
			code, body, err := postRaw(cmd.Context(), &g, "/v1/rulepack", signed)
			if err != nil {
				return err
			}
			if err := expectOK(code, body); err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(bytes.TrimSpace(body), '\n'))
			return err
		},
	}
	g.register(c)
	return c
}

// postRaw posts body as is and returns the status and the answer.
func postRaw(ctx context.Context, g *gatewayFlags, path string, body []byte) (int, []byte, error) {
	tc, err := peertls.GatewayClientConfig(g.pki, g.as)
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(g.url, "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("malformed gateway URL: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set(gateway.ActorHeader, g.as)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("failed to reach the gateway: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}
