// Package appliance runs the whole Bastion appliance on one machine: the
// key ceremony, three high-side nodes, the one-way link, the guard and the
// portal, all on loopback, and replays the real inputs through it. It is
// what `make run` starts, and what the end-to-end tests drive.
package appliance

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	firmwareconfig "bastion/firmware-config"
)

// Layout is where everything of one run lives, and the ports it uses.
type Layout struct {
	State string
	Host  string
	Nodes []NodeLayout
	// LinkIn is where the nodes send (the lossy link); GuardUDP is where
	// the link forwards to and the guard listens.
	LinkIn, GuardUDP int
	GuardMetrics     int
	Portal           int
	// Form4Dir holds the SEC Form 4 filings whose issuers are restricted;
	// empty when the data folder is absent.
	Form4Dir string
}

// NodeLayout holds one node's directories and ports.
type NodeLayout struct {
	ID                 string
	Dir                string
	Raft, Gateway, FIX int
}

// Paths inside the state directory.
func (l *Layout) HSMDir() string     { return filepath.Join(l.State, "hsm") }
func (l *Layout) PKIDir() string     { return filepath.Join(l.State, "pki") }
func (l *Layout) GuardDir() string   { return filepath.Join(l.State, "guard") }
func (l *Layout) ExportDir() string  { return filepath.Join(l.State, "guard", "export") }
func (l *Layout) GuardLog() string   { return filepath.Join(l.State, "guard", "state", "guard.log") }
func (l *Layout) ReportsDir() string { return filepath.Join(l.State, "portal", "reports") }
func (l *Layout) LogDir() string     { return filepath.Join(l.State, "logs") }

// PortalURL is the portal's address.
func (l *Layout) PortalURL() string { return fmt.Sprintf("http://%s/", l.addr(l.Portal)) }

func (l *Layout) addr(port int) string { return net.JoinHostPort(l.Host, strconv.Itoa(port)) }

// NewLayout picks the ports of a run: those the configuration fixes, and
// free loopback ports for those it leaves at 0.
func NewLayout(state string, cfg *firmwareconfig.Appliance) (*Layout, error) {
	h := cfg.HighSide
	l := &Layout{State: state, Host: h.Host}
	pick := func(fixed, offset int, network string) (int, error) {
		if fixed != 0 {
			return fixed + offset, nil
		}
		return FreePort(h.Host, network)
	}
	var err error
	for i, id := range h.Nodes {
		n := NodeLayout{ID: id, Dir: filepath.Join(state, id)}
		if n.Raft, err = pick(h.RaftPort, i, "tcp"); err != nil {
			return nil, err
		}
		if n.Gateway, err = pick(h.GatewayPort, i, "tcp"); err != nil {
			return nil, err
		}
		if n.FIX, err = pick(h.FIXPort, i, "tcp"); err != nil {
			return nil, err
		}
		l.Nodes = append(l.Nodes, n)
	}
	if l.LinkIn, err = FreePort(h.Host, "udp"); err != nil {
		return nil, err
	}
	if l.GuardUDP, err = pick(cfg.Guard.Port, 0, "udp"); err != nil {
		return nil, err
	}
	if l.GuardMetrics, err = pick(cfg.Guard.MetricsPort, 0, "tcp"); err != nil {
		return nil, err
	}
	if l.Portal, err = pick(cfg.Portal.Port, 0, "tcp"); err != nil {
		return nil, err
	}
	return l, nil
}
