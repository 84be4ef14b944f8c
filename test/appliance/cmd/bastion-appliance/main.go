// Command bastion-appliance runs the whole appliance on this machine, on
// loopback: the key ceremony, three high-side nodes, the lossy one-way
// link, the guard and the portal. It replays the real inputs (or the
// built-in generator), shows progress, prints the portal's address and
// stays up until interrupted; with --once it stops when everything
// replayed has crossed and been accepted, writing STATE/summary.json.
//
// A line reports each child process that ends (which one, its exit status,
// its log). A node whose end leaves the cluster a quorum is only
// reported; the end of the guard, the portal or the quorum ends the run
// with an error, since nothing could cross or be seen any more.
//
// Progress lines on stderr start "bastion: "; an error ends the run with
// one "bastion-appliance: message" line. An interrupt (SIGINT or SIGTERM)
// prints one line saying what it cut short, stops every child process
// and exits 0; with --once, an interrupt before everything replayed has
// crossed writes no summary and exits 130 instead. Exit codes: 0
// success, or interrupted and stopped without --once; 1 failure; 2
// usage error; 130 a --once run interrupted before it completed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	firmwareconfig "bastion/firmware-config"
	"bastion/high-side/replay"
	"bastion/shared/cli"
	"bastion/test/appliance"

	"github.com/spf13/cobra"
)

// exitInterrupted is the exit code of a --once run interrupted before
// it completed (128 + SIGINT, as shells report an interrupted command).
const exitInterrupted = 130

func main() {
	os.Exit(execute(context.Background(), command(), os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs root as cli.Execute does and returns its exit code, except
// that a run that returns an *interruptedError exits exitInterrupted.
func execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	var interrupted bool
	runE := root.RunE
	root.RunE = func(cmd *cobra.Command, args []string) error {
		err := runE(cmd, args)
		var ie *interruptedError
		interrupted = errors.As(err, &ie)
		return err
	}
	code := cli.Execute(ctx, root, args, stdout, stderr)
	if interrupted {
		return exitInterrupted
	}
	return code
}

// command is the bastion-appliance command line.
func command() *cobra.Command {
	var o struct {
		bin, state, config, data string
		once                     bool
		limit                    int
		timeout                  time.Duration
	}
	cmd := &cobra.Command{
		Use:   "bastion-appliance",
		Short: "Run the whole Bastion appliance on this machine",
		Long: "Run the whole Bastion appliance on this machine.\n\n" +
			"An interrupt (Ctrl-C, SIGINT or SIGTERM) prints one line saying what it cut\n" +
			"short, stops every child process and exits 0. With --once, an interrupt\n" +
			"before everything replayed has crossed writes no summary and exits 130.\n\n" +
			"Exit codes: 0 success, or interrupted and stopped cleanly without --once;\n" +
			"1 failure; 2 usage error; 130 a --once run interrupted before it completed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case o.limit < 0:
				return cli.Usage(fmt.Errorf("bad --limit %d: want 0 (all) or a positive count", o.limit))
			case o.timeout <= 0:
				return cli.Usage(fmt.Errorf("bad --timeout %s: want a positive duration", o.timeout))
			}
			// A folder named on the command line must be there: only the
			// default may fall back to the built-in generator.
			if o.data != "" {
				if fi, err := os.Stat(o.data); err != nil || !fi.IsDir() {
					return cli.Usage(fmt.Errorf("bad --data %s: not a folder", o.data))
				}
			}
			cfg, err := loadConfig(o.config)
			if err != nil {
				return err
			}
			if o.state == "" {
				o.state = filepath.Join("state", time.Now().UTC().Format("20060102T150405Z"))
			}
			if o.data == "" {
				o.data = replay.DataDir()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return run(ctx, appliance.Options{Bin: o.bin, State: o.state, Data: o.data, Config: cfg,
				Progress: os.Stderr, Limit: o.limit, InputOrder: true}, o.once, o.timeout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.bin, "bin", "bin", "folder with the Bastion binaries")
	f.StringVar(&o.state, "state", "", "state directory, empty or new (default state/<time>)")
	f.StringVar(&o.config, "config", "", "appliance configuration (default: the embedded appliance.toml)")
	f.StringVar(&o.data, "data", "",
		"real input folder, must exist (default $BASTION_DATA or ../shared/data; when the default is missing, a built-in generator)")
	f.BoolVar(&o.once, "once", false, "stop once everything replayed has crossed; write STATE/summary.json")
	f.IntVar(&o.limit, "limit", 0, "replay at most this many entries of each source (0: all)")
	f.DurationVar(&o.timeout, "timeout", 15*time.Minute, "longest wait for everything to cross")
	return cmd
}

// loadConfig loads the configuration at path, or the embedded one, and
// checks it for what the appliance needs beyond what loading checks.
func loadConfig(path string) (*firmwareconfig.Appliance, error) {
	name := path
	var cfg *firmwareconfig.Appliance
	var err error
	if path == "" {
		name = "appliance.toml (embedded)"
		cfg, err = firmwareconfig.Parse(name, firmwareconfig.Default)
	} else {
		cfg, err = firmwareconfig.Load(path)
	}
	if err != nil {
		return nil, err
	}
	if err := appliance.CheckConfig(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

func run(ctx context.Context, opts appliance.Options, once bool, timeout time.Duration) error {
	state, err := filepath.Abs(opts.State)
	if err != nil {
		return err
	}
	opts.State = state
	if opts.Bin, err = filepath.Abs(opts.Bin); err != nil {
		return err
	}
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bastion: "+format+"\n", args...) }

	say("state directory %s", state)
	in, err := appliance.LoadInput(opts.Data, opts.Limit)
	if err != nil {
		return fmt.Errorf("failed to load input: %w", err)
	}
	if _, err := os.Stat(opts.Data); err != nil {
		say("no data folder at %s: replaying the built-in generator", opts.Data)
	}
	a, err := appliance.Start(ctx, opts)
	if err != nil {
		if ctx.Err() != nil { // Start has stopped what it started
			err = &interruptedError{Stage: "while starting the appliance"}
		}
		return interrupted(err, once, say)
	}
	defer a.Stop()
	say("portal %s", a.Layout.PortalURL())

	// Watch the child processes until the run ends, and end it when the
	// appliance cannot go on.
	ctx, stopWatch := watch(ctx, a, say)
	defer stopWatch() // before a.Stop, which ends every process

	err = replayAndSummarise(ctx, a, in, timeout, say)
	if err := fatal(ctx); err != nil {
		return err
	}
	if err != nil || once {
		return interrupted(err, once, say)
	}
	say("portal %s -- up until interrupted (Ctrl-C)", a.Layout.PortalURL())
	<-ctx.Done()
	if err := fatal(ctx); err != nil {
		return err
	}
	say("stopping")
	return nil
}

// replayAndSummarise replays in, showing progress, waits until everything
// has crossed, and writes STATE/summary.json.
func replayAndSummarise(ctx context.Context, a *appliance.Appliance, in *appliance.Input,
	timeout time.Duration, say func(string, ...any)) error {
	var t appliance.Tally
	say("replaying %d entries (%s)", in.Total(), sourceList(in.Sources))
	stopProgress := progress(ctx, a, &t, in.Total(), say)
	err := a.Replay(ctx, in, &t)
	if err != nil {
		stopProgress()
		return cutShort(ctx, err, "during the replay", &t, in.Total())
	}
	st, head, err := a.WaitExported(ctx, timeout)
	stopProgress()
	if err != nil {
		return cutShort(ctx, err, "while waiting for everything to cross", &t, in.Total())
	}
	say("replayed %d entries: ledger %d, exported %d in %d batches, accepted by the guard %d (root %s)",
		t.Submitted.Load(), st.LedgerSize, st.Export.Size, st.Export.Seq, head.Size, head.Root)

	// Give the portal a moment to write the reports of the last batches.
	time.Sleep(1500 * time.Millisecond)
	sum, err := a.Summarise(st, head, &t, in)
	if sum != nil {
		if werr := a.WriteSummary(sum); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	say("summary %s: %d entries in %.1f s (%.0f entries/s), high root = low root = %s",
		filepath.Join(a.Layout.State, "summary.json"), sum.LedgerSize, sum.WallSeconds, sum.EntriesPerSecond,
		sum.HighRoot)
	return nil
}

// interruptedError is an interrupt that came before everything replayed
// had crossed.
type interruptedError struct {
	// Stage says what the interrupt cut short: "during the replay".
	Stage string
	// Replaying reports whether the replay had begun; Submitted then
	// counts the receipts it had got, of Total.
	Replaying        bool
	Submitted, Total int64
	// Once reports whether the run was to stop after the replay; the
	// error then says that the run did not complete.
	Once bool
}

func (e *interruptedError) Error() string {
	msg := "interrupted " + e.Stage
	if e.Replaying {
		msg += fmt.Sprintf(" (%d of %d submitted)", e.Submitted, e.Total)
	}
	if e.Once {
		msg += ": the --once run did not complete; no summary written"
	}
	return msg
}

// cutShort returns err, or an *interruptedError when ctx, from watch, ended
// because the run was interrupted rather than because the appliance
// cannot go on.
func cutShort(ctx context.Context, err error, stage string, t *appliance.Tally, total int) error {
	if err == nil || ctx.Err() == nil || fatal(ctx) != nil {
		return err
	}
	return &interruptedError{Stage: stage, Replaying: true, Submitted: t.Submitted.Load(), Total: int64(total)}
}

// interrupted says how the run ends once the replay returned err, and
// returns the run's result: nil for an interrupt without once (stopped
// cleanly, as an interrupt after the replay is), the interrupt itself with
// once (the run did not complete), err otherwise.
func interrupted(err error, once bool, say func(string, ...any)) error {
	var ie *interruptedError
	if !errors.As(err, &ie) {
		return err
	}
	say("%s; stopping", ie)
	if !once {
		return nil
	}
	ie.Once = true
	return ie
}

// watch prints a line for each child process of a that ends, until the
// returned stop is called. A node whose end leaves a quorum is only
// reported; once the appliance cannot go on (the guard or the portal has
// ended, or no quorum is left), the returned context is cancelled with
// the reason as its cause (see fatal).
func watch(ctx context.Context, a *appliance.Appliance, say func(string, ...any)) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := a.Watch(ctx, func(e appliance.ProcessExit) {
			say("%s", e)
			if e.Node && e.NodesUp > e.Nodes/2 {
				say("%d of %d nodes up: the cluster keeps its quorum and goes on", e.NodesUp, e.Nodes)
			}
		})
		if err != nil {
			cancel(fmt.Errorf("the appliance cannot go on: %w", err))
		}
	}()
	return ctx, func() { cancel(nil); <-done }
}

// fatal returns the reason ctx, from watch, was cancelled when the
// appliance cannot go on; nil otherwise (running, or interrupted).
func fatal(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// progress prints a line every two seconds until stopped.
func progress(ctx context.Context, a *appliance.Appliance, t *appliance.Tally, total int, say func(string, ...any)) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				head, _ := a.ChainHead()
				if _, st, err := a.Leader(ctx); err == nil {
					say("replayed %d/%d  ledger %d  exported %d  accepted by guard %d",
						t.Submitted.Load(), total, st.LedgerSize, st.Export.Size, head.Size)
				} else {
					say("replayed %d/%d  no leader at the moment (election under way)  accepted by guard %d",
						t.Submitted.Load(), total, head.Size)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// sourceList renders the per-source counts as "lobster 999, paysim 10000".
func sourceList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	return b.String()
}
