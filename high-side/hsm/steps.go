package hsm

import (
	"context"
	"fmt"
	"log/slog"
)

// step is one named stage of a ceremony or a recovery.
type step struct {
	name string
	fn   func() error
}

// runSteps runs steps in order and stops at the first failure, which it
// returns as "<what>: failed to <step>: <cause>". Each completed step is
// logged at Info.
func runSteps(ctx context.Context, logger *slog.Logger, what string, steps []step) error {
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: failed to %s: %w", what, s.name, err)
		}
		logger.InfoContext(ctx, what+" step done", slog.String("step", s.name))
	}
	return nil
}
