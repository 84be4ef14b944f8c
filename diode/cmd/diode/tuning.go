package main

import (
	"errors"
	"fmt"
	"time"

	"bastion/diode"
	"bastion/diode/internal/wire"

	"github.com/spf13/pflag"
)

// tuning holds the sender's link flags: datagram size, Reed-Solomon group
// shape, pacing and the resend carousel.
type tuning struct {
	rate       int64
	shardSize  int
	maxData    int
	parity     int
	designLoss float64
	carousel   []time.Duration
	noCarousel bool
	noGSO      bool
}

func (t *tuning) addFlags(f *pflag.FlagSet) {
	f.Int64Var(&t.rate, "rate", diode.DefaultRate, "pacing rate in bytes per second (-1: none)")
	f.IntVar(&t.shardSize, "shard-size", diode.DefaultShardSize,
		"batch bytes per datagram; the datagram is 60 bytes longer and must fit the path MTU")
	f.IntVar(&t.maxData, "max-data", diode.DefaultMaxDataShards, "data shards per Reed-Solomon group, 1 to 255")
	f.IntVar(&t.parity, "parity", 0,
		"parity shards per group (0: sized from --design-loss for a 1e-9 group failure rate)")
	f.Float64Var(&t.designLoss, "design-loss", diode.DefaultDesignLoss,
		"random datagram loss the parity is sized for, more than 0 and less than 0.5 (ignored with --parity)")
	f.DurationSliceVar(&t.carousel, "carousel", diode.DefaultCarousel,
		"delays after a batch's first transmission at which it is sent again, increasing")
	f.BoolVar(&t.noCarousel, "no-carousel", false, "never send a batch again")
	f.BoolVar(&t.noGSO, "no-gso", false,
		"hand the kernel one datagram at a time, without UDP segmentation offload")
}

// check rejects values out of range, naming the flag; the library would
// otherwise replace some zero values with defaults without a word.
func (t *tuning) check() error {
	maxShard := wire.MaxDatagram - wire.HeaderLen - 16
	switch {
	case t.rate < 1 && t.rate != diode.RateUnlimited:
		return fmt.Errorf("--rate %d: want bytes per second, at least 1, or -1 for no pacing", t.rate)
	case t.shardSize < wire.MinShardSize || t.shardSize > maxShard:
		return fmt.Errorf("--shard-size %d: want %d to %d bytes", t.shardSize, wire.MinShardSize, maxShard)
	case t.maxData < 1 || t.maxData > 255:
		return fmt.Errorf("--max-data %d: want 1 to 255", t.maxData)
	case t.parity < 0 || t.maxData+t.parity > wire.MaxShards:
		return fmt.Errorf("--parity %d: want 0 to %d with --max-data %d",
			t.parity, wire.MaxShards-t.maxData, t.maxData)
	case !(t.designLoss > 0 && t.designLoss < 0.5): // NaN too
		return fmt.Errorf("--design-loss %g: want more than 0 and less than 0.5", t.designLoss)
	}
	for i, d := range t.carousel {
		if d <= 0 || d > time.Hour || i > 0 && d < t.carousel[i-1] {
			return errors.New("--carousel: delays must increase, each within (0, 1h]")
		}
	}
	return nil
}

// apply copies the flags into cfg.
func (t *tuning) apply(cfg *diode.SenderConfig) {
	cfg.Rate = t.rate
	cfg.ShardSize = t.shardSize
	cfg.MaxDataShards = t.maxData
	cfg.ParityShards = t.parity
	cfg.DesignLoss = t.designLoss
	cfg.Carousel = t.carousel
	cfg.DisableCarousel = t.noCarousel || len(t.carousel) == 0
	cfg.NoSegmentOffload = t.noGSO
}
