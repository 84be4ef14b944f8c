package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"bastion/high-side/hsm"
	"bastion/shared/hybrid"

	"github.com/miekg/pkcs11"
)

// fixture is a ceremony of three tokens, each in its own SoftHSM instance.
type fixture struct {
	dir string
	res *hsm.CeremonyResult
	cfg hsm.Config
	pub *hybrid.PublicKey
}

// run makes the ceremony and takes every measurement.
func run(ctx context.Context, o options, logger *slog.Logger) (*results, error) {
	fx, err := newFixture(ctx, o)
	if err != nil {
		return nil, err
	}
	if !o.keep {
		defer os.RemoveAll(fx.dir)
	}
	info, err := libraryInfo(fx.cfg.Tokens[0].Module)
	if err != nil {
		return nil, err
	}
	r := &results{Machine: describeMachine(info), Settings: settings{
		Workers: o.workers, BenchSignatures: o.benchSigs, Rounds: o.rounds, Verifies: o.verifies, FaultAfter: o.faultAfter,
		Suite: fx.res.Suite, Tokens: strings.Join(fx.res.Tokens, ","),
	}}

	// Throughput over one token and over three, in turns; then verification.
	t1, t3, rounds, err := signThroughput(ctx, fx, o)
	if err != nil {
		return nil, fmt.Errorf("sign throughput: %w", err)
	}
	r.Rounds = rounds
	v, err := verifyThroughput(ctx, fx, o)
	if err != nil {
		return nil, fmt.Errorf("verify throughput: %w", err)
	}
	r.Signs1, r.Signs3, r.VerifyPerS = t1.perSecond, t3.perSecond, v.perSecond
	r.CPU = cpuFigures{
		MSPerSign1: t1.cpuMS, MSPerSign3: t3.cpuMS, MSPerVerify: v.cpuMS,
		CPUBoundSigns1:    float64(r.Machine.NumCPU) * 1000 / t1.cpuMS,
		CPUBoundSigns3:    float64(r.Machine.NumCPU) * 1000 / t3.cpuMS,
		CPUBoundVerifyPer: float64(r.Machine.NumCPU) * 1000 / v.cpuMS,
	}
	logger.InfoContext(ctx, "throughput measured", slog.Float64("signs_per_s_1", t1.perSecond),
		slog.Float64("signs_per_s_3", t3.perSecond), slog.Float64("verify_per_s", v.perSecond))

	// The failover drill.
	r.Failover, err = drill(ctx, fx, o, logger)
	if err != nil {
		return nil, fmt.Errorf("failover drill: %w", err)
	}
	r.Machine.LoadAfter = loadAverage()
	return r, nil
}

// newFixture runs a ceremony with three SoftHSM instances in a temporary
// directory.
func newFixture(ctx context.Context, o options) (*fixture, error) {
	dir, err := os.MkdirTemp("", "bastion-crypto-bench-")
	if err != nil {
		return nil, err
	}
	res, err := hsm.Ceremony{Dir: filepath.Join(dir, "ceremony"), Module: o.module, Tokens: 3,
		SoftHSM: true, Instances: true}.Run(ctx, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg, err := hsm.LoadConfig(res.Config)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b, err := os.ReadFile(res.PublicKeyFile)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	_, pub, err := hybrid.ParsePublicKeyText(b)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &fixture{dir: dir, res: res, cfg: cfg, pub: pub}, nil
}

// libraryInfo returns C_GetInfo of the already initialised library at path.
func libraryInfo(path string) (pkcs11.Info, error) {
	c := pkcs11.New(path)
	if c == nil {
		return pkcs11.Info{}, fmt.Errorf("failed to load %s", path)
	}
	return c.GetInfo()
}

// openSigner opens a pool over cfg and the fixture's signer.
func (fx *fixture) openSigner(ctx context.Context, cfg hsm.Config,
	logger *slog.Logger) (*hsm.Pool, *hsm.Signer, error) {
	p, err := hsm.Open(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	s, err := p.Signer(fx.res.KeyName, fx.res.SealedSeedFile, fx.pub)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, s, nil
}
