package diode

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// snmpPath is the kernel's protocol counter table (proc(5)).
var snmpPath = "/proc/net/snmp"

// udpCounters reads the host's UDP RcvbufErrors and SndbufErrors: datagrams
// the kernel dropped because a socket buffer was full. They count every
// socket of the network namespace, not only the diode's.
func udpCounters() (rcvbuf, sndbuf uint64, err error) {
	data, err := os.ReadFile(snmpPath)
	if err != nil {
		return 0, 0, fmt.Errorf("failed to read kernel UDP counters: %w", err)
	}
	return parseSNMP(data)
}

// parseSNMP finds the two "Udp:" lines (names, then values) in data.
func parseSNMP(data []byte) (rcvbuf, sndbuf uint64, err error) {
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		if len(f) != len(names) {
			return 0, 0, fmt.Errorf("malformed kernel UDP counters: %d names, %d values", len(names), len(f))
		}
		for i, n := range names {
			switch n {
			case "RcvbufErrors":
				rcvbuf, err = strconv.ParseUint(f[i], 10, 64)
			case "SndbufErrors":
				sndbuf, err = strconv.ParseUint(f[i], 10, 64)
			}
			if err != nil {
				return 0, 0, fmt.Errorf("malformed kernel UDP counter %s: %w", n, err)
			}
		}
		return rcvbuf, sndbuf, nil
	}
	return 0, 0, fmt.Errorf("kernel UDP counters not found")
}
