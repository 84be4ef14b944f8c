package appliance

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
)

// ProcessExit describes a child process of the appliance that has ended.
type ProcessExit struct {
	// Name is the node's ID, "guard" or "portal".
	Name string
	// Err is how it ended, as os/exec reports it ("exit status 1",
	// "signal: terminated"); nil for exit status 0.
	Err error
	// Log is the file that holds its output.
	Log string
	// Node reports whether it is a high-side node.
	Node bool
	// NodesUp counts the nodes still running when it ended, of Nodes.
	NodesUp, Nodes int
}

// String is one line naming the process, how it ended and its log. It
// tells a process that exited by itself, whatever its status (a process
// asked to stop with SIGTERM that stops cleanly exits 0), from one a
// signal killed.
func (e ProcessExit) String() string {
	return fmt.Sprintf("%s %s; its log is %s", e.Name, e.how(), e.Log)
}

func (e ProcessExit) how() string {
	if e.Err == nil {
		return "exited by itself with status 0"
	}
	var ee *exec.ExitError
	if !errors.As(e.Err, &ee) {
		return "ended: " + e.Err.Error()
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	switch {
	case ok && ws.Signaled():
		return fmt.Sprintf("was killed by signal %d (%s)", int(ws.Signal()), ws.Signal())
	case ok && ws.Exited():
		return fmt.Sprintf("exited by itself with status %d", ws.ExitStatus())
	}
	return "ended: " + e.Err.Error()
}

// Watch waits until ctx ends or the appliance can no longer work, calling
// exited for each child process that ends meanwhile, in the order they
// end; a process that had ended before Watch was called is reported at
// once. It returns nil when ctx ends, and the error of Check once the
// appliance can no longer work: the guard or the portal has ended, or so
// many nodes that no quorum is left. A node whose end leaves a quorum is
// only reported: the others elect a leader if need be and go on.
func (a *Appliance) Watch(ctx context.Context, exited func(ProcessExit)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ended := make(chan *Process)
	for _, p := range a.procs {
		go func() {
			select {
			case <-p.Done():
				select {
				case ended <- p:
				case <-ctx.Done():
				}
			case <-ctx.Done():
			}
		}()
	}
	for range a.procs {
		select {
		case <-ctx.Done():
			return nil
		case p := <-ended:
			_, err := p.Exited()
			exited(ProcessExit{Name: p.Name, Err: err, Log: p.LogPath, Node: a.isNode(p.Name),
				NodesUp: a.nodesUp(), Nodes: len(a.Layout.Nodes)})
			if err := a.Check(); err != nil {
				return err
			}
		}
	}
	<-ctx.Done()
	return nil
}

// nodesUp counts the node processes still running.
func (a *Appliance) nodesUp() int {
	n := 0
	for _, p := range a.procs {
		if done, _ := p.Exited(); !done && a.isNode(p.Name) {
			n++
		}
	}
	return n
}
