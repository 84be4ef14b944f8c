//go:build race

package diode

import "testing"

func skipUnderRace(t *testing.T) { t.Skip("throughput test: run without -race") }
