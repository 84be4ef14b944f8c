package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bastion/guard/export"
	"bastion/low-side/bundle"
	"bastion/low-side/report"
	"bastion/low-side/verify"
	"bastion/shared/batch"
	"bastion/shared/cli"
)

// bundleOptions are the flags of "bundle".
type bundleOptions struct {
	export, date, key, out, highSideKey string
	guardLog, capital                   string
	kinds                               []string
	cat                                 report.CATConfig
}

func bundleCommand(stdout io.Writer, log *slog.Logger) *cobra.Command {
	var o bundleOptions
	def := report.DefaultCATConfig(nil)
	c := &cobra.Command{
		Use:   "bundle --export DIR --date YYYY-MM-DD --key FILE --out DIR",
		Short: "Make the signed report bundles of one date",
		Long:  bundleHelp,
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return makeBundles(stdout, log, o, c.Flags().Changed("kind"))
		},
	}
	f := c.Flags()
	f.StringVar(&o.export, "export", "", "guard export directory (required)")
	f.StringVar(&o.date, "date", "", "UTC date of the reports, YYYY-MM-DD (required)")
	f.StringVar(&o.key, "key", "", "report-signing key file, mode 0600 (required)")
	f.StringVar(&o.out, "out", "", "folder the bundles are written to (required)")
	f.StringSliceVar(&o.kinds, "kind", nil, kindHelp())
	f.StringVar(&o.guardLog, "guard-log", "", "guard log file, for the SOX evidence (kind sox)")
	f.StringVar(&o.capital, "capital", "", "TOML file with a [report.capital] table, for kind basel")
	f.StringVar(&o.highSideKey, "high-side-key", "", "high side's published key (default: the one in EXPORT/keys)")
	f.StringVar(&o.cat.SubmitterID, "cat-submitter", def.SubmitterID, "CAT submitter id")
	f.StringVar(&o.cat.IMID, "cat-imid", def.IMID, "CAT reporter IMID")
	f.StringVar(&o.cat.Destination, "cat-destination", def.Destination, "destination of route events")
	f.StringVar(&o.cat.DestinationType, "cat-destination-type", def.DestinationType, "destination type of route events")
	for _, n := range []string{"export", "date", "key", "out"} {
		c.MarkFlagRequired(n)
	}
	return c
}

const bundleHelp = `Make the signed report bundles of one date: one folder per report kind,
OUT/<kind>-<date>, each path printed on stdout. A bundle that exists is
never replaced: if any bundle to be made exists already, nothing is made
and the command fails naming them.

Without --kind the kinds made are those whose inputs are given: cat,
15c3-5, surveillance and attestation always, sox only with --guard-log and
basel only with --capital. A kind named in --kind whose input is missing
is a usage error naming the flag, and nothing is written.

Exit codes: 0 every bundle of the selected kinds written, 1 a bundle failed
(the others are still written) or exists already (none written), 2 usage
error.`

// checkBundleArgs refuses a malformed date and an --out that is not a
// folder (or cannot become one) before any work is done.
func checkBundleArgs(o bundleOptions) error {
	if t, err := time.Parse(time.DateOnly, o.date); err != nil || t.Format(time.DateOnly) != o.date {
		return fmt.Errorf("bad --date %q: want YYYY-MM-DD", o.date)
	}
	if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
		return fmt.Errorf("bad --out %s: not a folder", o.out)
	}
	return nil
}

// makeBundles collects the day once and writes one bundle per kind.
func makeBundles(stdout io.Writer, log *slog.Logger, o bundleOptions, explicit bool) error {
	if err := checkBundleArgs(o); err != nil {
		return cli.Usage(err)
	}
	kinds, err := selectKinds(o, explicit)
	if err != nil {
		return err
	}
	if err := refuseExisting(o.out, o.date, kinds); err != nil {
		return err
	}
	opt := report.Options{CAT: o.cat}
	if err := loadInputs(o, &opt); err != nil {
		return err
	}
	key, err := bundle.LoadKey(o.key)
	if err != nil {
		return cli.Usage(err)
	}
	opt.CAT.FDIDKey = key.FDIDKey()
	day, err := report.CollectDay(report.ExportDir{Root: o.export, Parse: parseBatch}, o.date)
	if err != nil {
		return err
	}
	if contains(kinds, report.KindAttestation) {
		if opt.SelfCheck, err = selfCheck(o); err != nil {
			return err
		}
	}
	var failed []string
	for _, k := range kinds {
		if err := makeBundle(stdout, o.out, k, day, opt, key); err != nil {
			log.Error("bundle failed", slog.String("kind", string(k)), slog.String("error", err.Error()))
			failed = append(failed, string(k))
		}
	}
	if failed != nil {
		return fmt.Errorf("bundles not made: %s", strings.Join(failed, ", "))
	}
	return nil
}

// refuseExisting fails, naming them, when bundles of any of kinds for date
// already exist under out, so that nothing is built only to be refused:
// a bundle is never replaced.
func refuseExisting(out, date string, kinds []report.Kind) error {
	var exist []string
	for _, k := range kinds {
		name := bundle.Name(k, date)
		if _, err := os.Lstat(filepath.Join(out, name)); err == nil {
			exist = append(exist, name)
		}
	}
	if exist != nil {
		return fmt.Errorf("bundles already exist in %s, none made: %s (a bundle is never replaced)",
			out, strings.Join(exist, ", "))
	}
	return nil
}

func makeBundle(stdout io.Writer, out string, k report.Kind, day *report.Day, opt report.Options, key *bundle.Key) error {
	o, err := report.Build(k, day, opt)
	if err != nil {
		return err
	}
	dir, err := bundle.Write(out, o, key)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, dir)
	return err
}

func parseKinds(names []string) ([]report.Kind, error) {
	var out []report.Kind
	for _, n := range names {
		k, err := report.ParseKind(n)
		if err != nil {
			return nil, cli.Usage(err)
		}
		out = append(out, k)
	}
	return out, nil
}

func contains(ks []report.Kind, k report.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// selfCheck verifies the whole export directory as bastion-verify archive
// does and summarises the result for the attestation.
func selfCheck(o bundleOptions) (report.SelfCheck, error) {
	path, err := highSideKeyFile(o)
	if err != nil {
		return report.SelfCheck{}, cli.Usage(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return report.SelfCheck{}, cli.Usage(fmt.Errorf("failed to read high side key: %w", err))
	}
	key, err := verify.ParseKey(text)
	if err != nil {
		return report.SelfCheck{}, cli.Usage(err)
	}
	rep, err := verify.Archive(o.export, key, batch.Limits{})
	if err != nil {
		return report.SelfCheck{}, err
	}
	sc := report.SelfCheck{Key: rep.Key, OK: rep.OK(), Batches: rep.Batches, Entries: rep.Entries,
		LedgerSize: rep.Size, Root: rep.Root.String(), Chain: rep.Chain,
		Problems: len(rep.Problems) + rep.More}
	for _, p := range rep.Problems[:min(10, len(rep.Problems))] {
		sc.First = append(sc.First, p.String())
	}
	return sc, nil
}

// highSideKeyFile returns --high-side-key or the only key in EXPORT/keys.
func highSideKeyFile(o bundleOptions) (string, error) {
	if o.highSideKey != "" {
		return o.highSideKey, nil
	}
	matches, _ := filepath.Glob(filepath.Join(o.export, export.KeysDir, "*.pub"))
	if len(matches) != 1 {
		return "", errors.New("--high-side-key is needed: EXPORT/keys does not hold exactly one key")
	}
	return matches[0], nil
}
