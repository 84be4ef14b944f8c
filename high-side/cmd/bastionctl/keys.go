package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
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
	var asJSON bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the published public keys of a ceremony directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			keys, err := readKeys(dir)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(keys)
			}
			for _, k := range keys {
				fmt.Fprintf(w, "%s %s %s %s\n", k.Name, k.Suite, k.KeyID, k.File)
			}
			return nil
		},
	}
	show.Flags().StringVar(&dir, "dir", "", "ceremony directory")
	show.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	show.MarkFlagRequired("dir")
	keys := &cobra.Command{Use: "keys", Short: "Inspect signing keys"}
	keys.AddCommand(show)
	root.AddCommand(keys)
}

// readKeys parses every DIR/keys/*.pub file.
func readKeys(dir string) ([]keyInfo, error) {
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
