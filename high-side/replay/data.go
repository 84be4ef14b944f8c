package replay

import (
	"os"
	"path/filepath"
)

// Paths of the data files relative to the data folder.
const (
	LOBSTERFile      = "lobster/AAPL_2012-06-21_34200000_57600000_message_10_first999.csv"
	PaySimFile       = "paysim/paysim_sample_10k.csv"
	AMLSimFile       = "amlsim/20K_fanin200cycle200/transactions.csv"
	AMLSimNodesFile  = "amlsim/20K_fanin200cycle200/nodes.csv"
	FIXLogDir        = "fix/log4fix"
	dataEnv          = "BASTION_DATA"
	defaultDataAbove = "../shared/data"
)

// DataDir returns the data folder: $BASTION_DATA when set, otherwise
// ../shared/data beside the module root (the nearest folder above the
// working directory holding go.mod). The folder may not exist.
func DataDir() string {
	if d := os.Getenv(dataEnv); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return defaultDataAbove
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, defaultDataAbove)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return defaultDataAbove
		}
		dir = parent
	}
}
