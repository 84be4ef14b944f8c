package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"bastion/high-side/monitor"
	"bastion/high-side/monitor/backtest"
	"bastion/high-side/replay"

	"github.com/spf13/cobra"
)

func init() {
	var data, pack string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backtest",
		Short: "Replay the shipped data through the monitor and score it against the labels",
		Long: "Replays the LOBSTER orders and the PaySim and AMLSim payments, each in timestamp\n" +
			"order through a fresh monitor (decide, then observe), and prints the alerts per\n" +
			"rule and reason code, PaySim precision and recall per transaction and AMLSim\n" +
			"precision and recall per account. Without --pack the built-in pack runs with\n" +
			"the surveillance rules on (monitor.SurveillanceConfig).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if data == "" {
				data = replay.DataDir()
			}
			cfg := monitor.SurveillanceConfig()
			if pack != "" {
				var err error
				if cfg, err = monitor.LoadConfig(pack); err != nil {
					return err
				}
			}
			r, err := backtest.Run(backtest.Options{DataDir: data, Config: cfg, Logger: logger})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			printBacktest(cmd.OutOrStdout(), r)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", "", "data folder (default $BASTION_DATA or ../shared/data)")
	cmd.Flags().StringVar(&pack, "pack", "", "rule pack TOML (default: built-in pack with surveillance rules on)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	root.AddCommand(cmd)
}

// printBacktest writes the report as aligned text.
func printBacktest(w io.Writer, r backtest.Report) {
	fmt.Fprintf(w, "rule pack  %s\n\n", r.RulePack)
	fmt.Fprintf(w, "LOBSTER    %d events, %d alerts\n", r.LOBSTER.Events, r.LOBSTER.Alerts)
	printCounts(w, "  rule", r.LOBSTER.ByRule)
	printCounts(w, "  reason", r.LOBSTER.ByReason)
	p := r.PaySim
	fmt.Fprintf(w, "\nPaySim     %d transactions: precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d tn %d)\n",
		p.Transactions, p.Score.Precision, p.Score.Recall, p.Score.F1, p.Score.TP, p.Score.FP, p.Score.FN, p.Score.TN)
	printCounts(w, "  reason", p.ByReason)
	a := r.AMLSim
	fmt.Fprintf(w, "\nAMLSim     %d accounts, %d transactions, %d flagged: precision %.3f recall %.3f F1 %.3f (tp %d fp %d fn %d)\n",
		a.Accounts, a.Transactions, a.Flagged, a.Score.Precision, a.Score.Recall, a.Score.F1, a.Score.TP, a.Score.FP, a.Score.FN)
	printCounts(w, "  accounts by rule", a.ByRule)
}

func printCounts(w io.Writer, label string, counts map[string]int) {
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, "%-20s %-18s %d\n", label, k, counts[k])
	}
}
