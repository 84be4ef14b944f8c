package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"bastion/shared/hybrid"

	"github.com/spf13/cobra"
)

// keyInfo is what `keys show` prints for each published key.
type keyInfo struct {
	Name  string `json:"name"`
	Suite string `json:"suite"`
	KeyID string `json:"key_id"`
	File  string `json:"file"`
	Bytes int    `json:"bytes"`
}

func init() {
	var dir string
	var asJSON, noTokens bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the published public keys of a ceremony directory and the status of its tokens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keys, err := readKeys(dir)
			if err != nil {
				return err
			}
			var tokens []tokenInfo
			if !noTokens {
				if tokens, err = readTokens(cmd.Context(), dir); err != nil {
					return err
				}
			}
			return printKeys(cmd.OutOrStdout(), keys, tokens, asJSON)
		},
	}
	show.Flags().StringVar(&dir, "dir", "", "ceremony directory")
	show.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	show.Flags().BoolVar(&noTokens, "no-tokens", false, "do not open the tokens (keys only)")
	show.MarkFlagRequired("dir")
	keys := &cobra.Command{Use: "keys", Short: "Inspect signing keys"}
	keys.AddCommand(show)
	root.AddCommand(keys)
}

// printKeys writes one line per key ("name suite key_id file"), then one
// per token; or, with asJSON, {"keys": [...], "tokens": [...]}.
func printKeys(w io.Writer, keys []keyInfo, tokens []tokenInfo, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Keys   []keyInfo   `json:"keys"`
			Tokens []tokenInfo `json:"tokens"`
		}{keys, tokens})
	}
	for _, k := range keys {
		fmt.Fprintf(w, "%s %s %s %s\n", k.Name, k.Suite, k.KeyID, k.File)
	}
	printTokens(w, tokens)
	return nil
}

// readKeys parses every DIR/keys/*.pub file. It fails naming dir when
// dir does not exist, and DIR/keys when that holds no public key.
func readKeys(dir string) ([]keyInfo, error) {
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("ceremony directory %s does not exist", dir)
		}
		return nil, fmt.Errorf("failed to open ceremony directory: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "keys", "*.pub"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no public keys in %s", filepath.Join(dir, "keys"))
	}
	var out []keyInfo
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		name, pk, err := hybrid.ParsePublicKeyText(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		id := pk.KeyID()
		out = append(out, keyInfo{name, string(pk.Suite()), hex.EncodeToString(id[:]), f, len(pk.Bytes())})
	}
	return out, nil
}
