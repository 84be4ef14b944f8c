package appliance

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Process is one child process of the appliance: a node, the guard, the
// portal. Its output goes to a log file in the state directory.
type Process struct {
	Name string
	// LogPath is the file that receives its output.
	LogPath string
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{}
	err     error
}

// StartProcess runs bin with args, output to logDir/name.log, env added to the
// harness's own environment. The child is killed if the harness dies.
func StartProcess(name, logDir, bin string, env []string, args ...string) (*Process, error) {
	path := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open log of %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: path, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Done is closed once the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the process to end with SIGTERM and kills it after grace.
func (p *Process) Stop(grace time.Duration) error {
	if done, err := p.Exited(); done {
		return err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	return nil
}

// Kill ends the process and its group with SIGKILL and waits for it.
func (p *Process) Kill() error {
	if done, _ := p.Exited(); done {
		return nil
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return err
	}
	<-p.done
	return nil
}

// StopAll stops processes in reverse order, concurrently within a group.
func StopAll(ps []*Process, grace time.Duration) {
	var wg sync.WaitGroup
	for i := len(ps) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(p *Process) { defer wg.Done(); _ = p.Stop(grace) }(ps[i])
	}
	wg.Wait()
}

// Run runs bin to completion and returns its standard output; its standard
// error is added to the error when it fails.
func Run(ctx context.Context, bin string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %v: %w: %s", filepath.Base(bin), args, err, stderr.String())
	}
	return out, nil
}

type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b) < 16<<10 {
		l.b = append(l.b, p...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// FreePort returns a TCP (or UDP) port on host that is free right now.
func FreePort(host, network string) (int, error) {
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	default:
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	}
}
