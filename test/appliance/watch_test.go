package appliance

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeAppliance starts a long sleep for each of three nodes, the guard and
// the portal, named as the appliance names its processes.
func fakeAppliance(t *testing.T) *Appliance {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	dir := t.TempDir()
	a := &Appliance{Layout: &Layout{State: dir}}
	for _, name := range []string{"guard", "portal", "node-1", "node-2", "node-3"} {
		if strings.HasPrefix(name, "node-") {
			a.Layout.Nodes = append(a.Layout.Nodes, NodeLayout{ID: name})
		}
		p, err := StartProcess(name, dir, sleep, nil, "600")
		if err != nil {
			t.Fatal(err)
		}
		a.procs = append(a.procs, p)
	}
	t.Cleanup(func() {
		for _, p := range a.procs {
			_ = p.Kill()
		}
	})
	return a
}

func (a *Appliance) signal(t *testing.T, name string, sig syscall.Signal) {
	t.Helper()
	for _, p := range a.procs {
		if p.Name == name {
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no process %s", name)
}

// watching runs Watch in the background and returns the exits it reports
// and its result.
func watching(ctx context.Context, a *Appliance) (<-chan ProcessExit, <-chan error) {
	exits, res := make(chan ProcessExit, 8), make(chan error, 1)
	go func() { res <- a.Watch(ctx, func(e ProcessExit) { exits <- e }) }()
	return exits, res
}

// next returns the next exit Watch reports, failing if Watch returns first
// or nothing comes within a minute.
func next(t *testing.T, exits <-chan ProcessExit, res <-chan error) ProcessExit {
	t.Helper()
	select {
	case e := <-exits:
		return e
	case err := <-res:
		t.Fatalf("Watch returned %v before reporting an exit", err)
	case <-time.After(time.Minute):
		t.Fatal("no exit reported within a minute")
	}
	return ProcessExit{}
}

// result returns what Watch returned, failing if it reports another exit
// first or does not return within a minute.
func result(t *testing.T, exits <-chan ProcessExit, res <-chan error) error {
	t.Helper()
	select {
	case err := <-res:
		return err
	case e := <-exits:
		t.Fatalf("Watch reported %v, want it to return", e)
	case <-time.After(time.Minute):
		t.Fatal("Watch did not return within a minute")
	}
	return nil
}

// TestWatchNodeThenQuorum ends one node, which Watch only reports, then a
// second, which leaves no quorum: Watch returns an error saying so.
func TestWatchNodeThenQuorum(t *testing.T) {
	a := fakeAppliance(t)
	exits, res := watching(t.Context(), a)

	a.signal(t, "node-1", syscall.SIGTERM)
	e := next(t, exits, res)
	want := ProcessExit{Name: "node-1", Log: filepath.Join(a.Layout.State, "node-1.log"), Node: true,
		NodesUp: 2, Nodes: 3}
	if got, wantLine := e.String(), "node-1 was killed by signal 15 (terminated); its log is "+want.Log; got != wantLine {
		t.Errorf("got line %q, want %q", got, wantLine)
	}
	if e.Err = nil; e != want {
		t.Errorf("got %+v, want %+v", e, want)
	}

	a.signal(t, "node-2", syscall.SIGKILL)
	if e := next(t, exits, res); e.Name != "node-2" || e.NodesUp != 1 {
		t.Errorf("got %+v, want node-2 with 1 node up", e)
	}
	err := result(t, exits, res)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 nodes down, no quorum") ||
		!strings.Contains(err.Error(), "node-2.log") {
		t.Errorf("got %v, want no quorum, naming node-2's log", err)
	}
}

// TestWatchGuard ends the guard: the appliance cannot go on without it.
func TestWatchGuard(t *testing.T) {
	a := fakeAppliance(t)
	exits, res := watching(t.Context(), a)
	a.signal(t, "guard", syscall.SIGTERM)
	if e := next(t, exits, res); e.Name != "guard" || e.Node || e.NodesUp != 3 {
		t.Errorf("got %+v, want the guard, not a node, 3 nodes up", e)
	}
	err := result(t, exits, res)
	want := "guard was killed by signal 15 (terminated); its log is " + filepath.Join(a.Layout.State, "guard.log")
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestWatchEndedBefore reports a process that had ended before Watch was
// called, and returns nil once its context ends.
func TestWatchEndedBefore(t *testing.T) {
	a := fakeAppliance(t)
	a.signal(t, "node-3", syscall.SIGTERM)
	<-a.procs[4].Done()
	ctx, cancel := context.WithCancel(t.Context())
	exits, res := watching(ctx, a)
	if e := next(t, exits, res); e.Name != "node-3" || e.NodesUp != 2 {
		t.Errorf("got %+v, want node-3 with 2 nodes up", e)
	}
	cancel()
	if err := result(t, exits, res); err != nil {
		t.Errorf("got %v once the context ended, want nil", err)
	}
}

// TestProcessExitWording checks that the line about an ended process says
// whether it exited by itself, and with what status, or was killed by a
// signal: a clean stop after SIGTERM (status 0) must not read as a kill.
func TestProcessExitWording(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh command")
	}
	tests := []struct{ name, script, want string }{
		{"stops cleanly on SIGTERM", `trap 'exit 0' TERM; kill -TERM $$; sleep 600`, "exited by itself with status 0"},
		{"fails", "exit 3", "exited by itself with status 3"},
		{"killed by SIGTERM", `trap - TERM; kill -TERM $$; sleep 600`, "was killed by signal 15 (terminated)"},
		{"killed by SIGKILL", `kill -KILL $$`, "was killed by signal 9 (killed)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := exec.Command(sh, "-c", tt.script).Run()
			got := ProcessExit{Name: "guard", Err: err, Log: "/s/guard.log"}.String()
			if want := "guard " + tt.want + "; its log is /s/guard.log"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}
