// Command bastion-portal serves the low side's read-only portal and keeps
// the daily reports of the export directory written to a reports
// directory.
//
//	bastion-portal --export DIR --guard-log FILE --listen 127.0.0.1:8443 --reports-dir DIR \
//	    [--users FILE [--rp-id HOST] [--origin URL] [--idle-timeout 15m]] [--tls-cert F --tls-key F] \
//	    [--high-side-key FILE [--transition FILE]...]
//	bastion-portal user add --users FILE --name N --role regulator|auditor|security [--origin URL]
//
// Without --users there is no login: the portal runs in loopback demo
// mode and says so on every page. With --users, people log in with a
// security key (WebAuthn, user verification required) or a TOTP code;
// "user add" enrols one and prints their TOTP URI and one-time
// registration link. Serving beyond loopback needs both --users and TLS.
//
// With --high-side-key (and --transition for each key hand-over) the
// portal re-verifies the signature of every checkpoint the guard
// publishes and shows the verdict; without it the overview and
// /api/checkpoint say plainly that the signature was not checked here.
//
// On start it writes daily-<date>.{json,csv,html} for every date, and
// daily-all.*, into the reports directory, then serves until SIGINT or
// SIGTERM. It checks the export directory for new batches every --poll
// (1 s) and reads only the new ones: the pages, charts and inclusion
// proofs are current within one poll. The files on disk are rewritten
// only for the dates that changed, at most every --reports-every (5 s) and
// no sooner than 50 times the last rewrite's duration, so that rewriting a
// large day costs at most 2 % of one core; they are current within that
// interval. The guard log is read incrementally on every request that
// shows it, and the guard log page asks for new rows every second, so a
// rejection shows within about one second of being written.
//
// The export directory must exist: the portal refuses to start without
// it, naming the path. The guard log may not exist yet (the guard creates
// it when it first starts, possibly after the portal): the portal warns
// and shows the log once it appears; a guard log path that exists but is
// not a regular file is refused. The reports directory is created if
// missing; one that is not a directory, cannot be created or cannot be
// written to is refused, naming --reports-dir.
//
// Errors go to stderr as one "bastion-portal: message" line; runtime
// events are log lines. Exit codes: 0 stopped cleanly, 1 failure, 2 usage
// error (unknown flag, missing or invalid flag value, wrong arguments).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"bastion/low-side/portal"
	"bastion/low-side/portal/guardlog"
	"bastion/low-side/report"
	"bastion/low-side/verify"
	"bastion/shared/cli"
)

// options are the command-line flags.
type options struct {
	export, guardLog, listen, reportsDir, accessLog string
	bundlesDir                                      string
	highSideKey                                     string
	transitions                                     []string
	poll                                            time.Duration
	reportsEvery                                    time.Duration
	rate                                            float64
	login                                           loginOptions
}

func main() {
	os.Exit(cli.Execute(context.Background(), command(), os.Args[1:], os.Stdout, os.Stderr))
}

func command() *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "bastion-portal",
		Short: "Serve the low-side portal and write the daily reports",
		Long: "Serve the low-side portal and write the daily reports.\n\n" +
			"The export directory must exist; the guard log may not exist yet (the guard creates it);\n" +
			"the reports directory is created if missing and must be writable.\n" +
			"Exit codes: 0 stopped cleanly, 1 failure, 2 usage error.",
		Args:              cobra.NoArgs,
		PersistentPreRunE: cli.RefuseEmpty,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return run(ctx, o, slog.New(slog.NewTextHandler(os.Stderr, nil)))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.export, "export", "", "guard export directory, must exist (required)")
	f.StringVar(&o.guardLog, "guard-log", "", "guard log file; may not exist yet, the guard creates it (required)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8443", "loopback address to serve on")
	f.StringVar(&o.reportsDir, "reports-dir", "",
		"directory the daily reports are written to; created if missing, must be writable (required)")
	f.StringVar(&o.bundlesDir, "bundles-dir", "", "folder of signed report bundles to list and serve (bastion-report bundle --out)")
	f.StringVar(&o.accessLog, "access-log", "", "access log file (default portal-access.log beside --reports-dir)")
	f.DurationVar(&o.poll, "poll", time.Second, "how often the export directory is checked for new batches")
	f.DurationVar(&o.reportsEvery, "reports-every", 5*time.Second,
		"shortest interval between two rewrites of the report files; a rewrite also waits 50 times "+
			"the last one's duration (the pages are always current)")
	f.Float64Var(&o.rate, "rate", portal.DefaultRate.PerSecond, "requests per second allowed per client")
	f.StringVar(&o.highSideKey, "high-side-key", "",
		"the high side's published key file; when set, every published checkpoint's signature is re-verified")
	f.StringArrayVar(&o.transitions, "transition", nil,
		"a signed key transition statement for --high-side-key (repeatable, any order)")
	o.login.flags(f)
	for _, name := range []string{"export", "guard-log", "reports-dir"} {
		cmd.MarkFlagRequired(name)
	}
	cmd.AddCommand(userCommand())
	return cmd
}

// run writes the reports, then serves and follows the export directory
// until ctx is done.
func run(ctx context.Context, o options, log *slog.Logger) error {
	if err := checkListen(o); err != nil {
		return cli.Usage(err)
	}
	if err := checkSettings(o); err != nil {
		return cli.Usage(err)
	}
	if err := o.login.check(); err != nil {
		return cli.Usage(err)
	}
	if err := checkInputs(o, log); err != nil {
		return err
	}
	accessFile, err := openAccessLog(o)
	if err != nil {
		return err
	}
	defer accessFile.Close()
	access := &lockedWriter{w: accessFile}
	auth, err := o.login.gate(log, access, o.listen)
	if err != nil {
		return err
	}
	verifyNote, err := checkpointVerifier(o.highSideKey, o.transitions)
	if err != nil {
		return err
	}
	if verifyNote == nil {
		log.Warn("no --high-side-key: published checkpoints are shown without re-verifying their signature")
	}

	// Read everything present and write the reports before serving.
	dir := report.ExportDir{Root: o.export, Parse: parseBatch}
	exp := report.NewExport(dir, log.With(slog.String("component", "report")))
	if _, err := exp.Refresh(); err != nil {
		log.WarnContext(ctx, "export not fully read", slog.String("error", err.Error()))
	}
	files := &reportWriter{dir: o.reportsDir, every: o.reportsEvery, log: log}
	publish := func(s *report.Snapshot) { files.offer(ctx, s) }
	files.write(ctx, exp.Snapshot())
	defer files.flush(ctx)

	srv := &http.Server{
		Addr: o.listen,
		Handler: portal.New(portal.Config{
			Export: exp, Dir: dir, GuardLog: guardlog.New(o.guardLog, 0), Bundles: o.bundlesDir,
			Logger: log, AccessLog: access, Auth: auth, Verify: verifyNote,
			Rate: portal.Rate{PerSecond: o.rate, Burst: max(1, int(3*o.rate))},
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	go exp.Follow(ctx, o.poll, publish)
	return serve(ctx, log, srv, o.login)
}

// checkpointVerifier returns a function that opens a checkpoint note with
// the high side's key ring (verify.KeyRing.Open), or nil when keyFile is
// empty. It returns an error naming the file that cannot be read or
// parsed, and for transitions without a key.
func checkpointVerifier(keyFile string, transitions []string) (func([]byte) error, error) {
	if keyFile == "" {
		if len(transitions) > 0 {
			return nil, cli.Usage(errors.New("--transition needs --high-side-key"))
		}
		return nil, nil
	}
	text, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read high-side key: %w", err)
	}
	var ts [][]byte
	for _, f := range transitions {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("failed to read transition: %w", err)
		}
		ts = append(ts, b)
	}
	ring, err := verify.ParseKeyRing(text, ts...)
	if err != nil {
		return nil, fmt.Errorf("bad --high-side-key %s: %w", keyFile, err)
	}
	return func(note []byte) error {
		_, err := ring.Open(note)
		return err
	}, nil
}

// serve runs srv until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, log *slog.Logger, srv *http.Server, lo loginOptions) error {
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("failed to listen: %w", err)
	}
	log.InfoContext(ctx, "portal serving", slog.String("addr", ln.Addr().String()))
	errc := make(chan error, 1)
	go func() {
		if lo.tlsCert != "" {
			errc <- srv.ServeTLS(ln, lo.tlsCert, lo.tlsKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("portal stopped: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("failed to shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("portal stopped")
	return nil
}

// writeReports writes the reports of dates from s, logs the outcome and
// reports whether every file was written.
func writeReports(ctx context.Context, log *slog.Logger, dir string, s *report.Snapshot, dates []string) bool {
	paths, err := s.WriteDates(dir, dates)
	if err != nil {
		log.ErrorContext(ctx, "failed to write reports", slog.String("error", err.Error()))
		return false
	}
	log.DebugContext(ctx, "reports written", slog.String("dir", dir),
		slog.Int("files", len(paths)), slog.Int("dates", len(dates)))
	return true
}

// checkSettings refuses intervals and rates the portal cannot run with.
func checkSettings(o options) error {
	switch {
	case o.poll <= 0:
		return fmt.Errorf("bad --poll %s: want a positive interval", o.poll)
	case o.reportsEvery <= 0:
		return fmt.Errorf("bad --reports-every %s: want a positive interval", o.reportsEvery)
	case !(o.rate > 0) || math.IsInf(o.rate, 1):
		return fmt.Errorf("bad --rate %v: want a positive number of requests per second", o.rate)
	}
	return nil
}

// checkListen refuses an address other than loopback unless the portal
// has both login and TLS: otherwise it must not be reachable from the
// network.
func checkListen(o options) error {
	host, port, err := net.SplitHostPort(o.listen)
	if err != nil {
		return fmt.Errorf("bad --listen %q: %v", o.listen, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("bad --listen %q: port %q is not a number from 0 to 65535", o.listen, port)
	}
	if (o.login.tlsCert == "") != (o.login.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if o.login.users != "" && o.login.tlsCert != "" {
		return nil
	}
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("bad --listen %q: serving without login and TLS is allowed on loopback only", o.listen)
	}
	return nil
}

// openAccessLog opens the access log for appending, mode 0600.
func openAccessLog(o options) (*os.File, error) {
	path := o.accessLog
	if path == "" {
		path = filepath.Join(filepath.Dir(filepath.Clean(o.reportsDir)), "portal-access.log")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open access log: %w", err)
	}
	return f, nil
}
