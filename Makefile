# Bastion: build, run and test the whole appliance on one machine.
GO       ?= go
BIN      ?= $(CURDIR)/bin
STATE    ?=
CONFIG   ?=
ONCE     ?=
FUZZTIME ?= 3000x
SIZE     ?= 200
RATE     ?= 5000
BASTION_DATA ?= $(abspath $(CURDIR)/../shared/data)
export BASTION_DATA

CMDS := ./high-side/cmd/... ./low-side/cmd/... ./guard/cmd/... ./diode/cmd/... ./test/appliance/cmd/...

.PHONY: all build run test test-unit test-integration fuzz-smoke bench bench-crypto bench-diode bench-monitor bench-guard bench-ledger bench-e2e test-rig lint clean clean-state

all: build

## build: compile every binary into bin/
build:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -o $(BIN)/ $(CMDS)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/bastion-verify ./low-side/cmd/bastion-verify

## run: the whole appliance on loopback (ONCE=1 STATE=DIR to stop after the replay)
run:
	@test/scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	$(BIN)/bastion-appliance --bin $(BIN) $(if $(STATE),--state $(STATE)) $(if $(CONFIG),--config $(CONFIG)) $(if $(ONCE),--once)

## test: unit tests, fuzz smoke, multi-process integration tests
test:
	@test/scripts/deps.sh test
	$(GO) vet ./...
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory test-rig
	$(MAKE) --no-print-directory fuzz-smoke

test-unit:
	$(GO) test -count=1 -timeout 15m ./...

test-integration: build
	BASTION_BIN=$(BIN) $(GO) test -count=1 -timeout 20m -tags integration ./test/...

## test-rig: the one-way network-namespace rig (root: namespaces, nftables, capture)
test-rig:
	@if [ "$$(id -u)" -ne 0 ] && [ "$$CI" != true ]; then \
		echo "test-rig: skipped, needs root for network namespaces (run: sudo make test-rig)"; \
	else $(GO) test -count=1 -timeout 10m -tags rig ./test/rig; fi

fuzz-smoke:
	FUZZTIME=$(FUZZTIME) test/scripts/fuzz-smoke.sh

## bench: Go benchmarks of every package
bench:
	@mkdir -p bench-results
	$(GO) test -run='^$$' -bench=. -benchmem -timeout 30m ./... | tee bench-results/go-bench.txt

## bench-crypto: hybrid signing (1 and 3 tokens), verification and a failover
## drill over three SoftHSM instances -> bench-results/crypto.json
bench-crypto:
	@test/scripts/deps.sh run
	@mkdir -p bench-results
	$(GO) run ./test/bench/crypto -out bench-results/crypto.json

## bench-diode: diode vs iperf3 and udpcast, SIZE MB per run (root) -> bench-results/diode.json
bench-diode:
	@test/scripts/deps.sh bench
	@mkdir -p $(BIN) bench-results
	$(GO) build -trimpath -o $(BIN)/diode ./diode/cmd/diode
	$(GO) run ./test/bench/diode --diode $(BIN)/diode --size-mb $(SIZE) --out bench-results/diode.json

## bench-monitor: monitor decisions on one core, backtest scores, and (through
## bench-e2e at 5,000 orders/s) the cluster's ack p99 -> bench-results/monitor.json
bench-monitor:
	@mkdir -p bench-results
	@$(MAKE) --no-print-directory bench-e2e RATE=5000
	$(GO) run ./test/bench/monitor -out bench-results/monitor.json -data $(BASTION_DATA) -e2e bench-results/e2e.json

## bench-guard: guard throughput on genuine signed batches (fsync on), GOMAXPROCS=1
## and default -> bench-results/guard.json
bench-guard:
	@mkdir -p bench-results
	$(GO) run ./test/bench/guard -out bench-results/guard.json

## bench-ledger: entries/s, ack and checkpoint latency, verification rate through
## the three-node appliance (fsync on) -> bench-results/ledger.json
bench-ledger: build
	@test/scripts/deps.sh run
	@mkdir -p bench-results
	$(GO) run ./test/bench/ledger --bin $(BIN) --out bench-results/ledger.json

## bench-e2e: ack latency of single orders paced at RATE/s through the
## appliance -> bench-results/e2e.json
bench-e2e: build
	@test/scripts/deps.sh run
	@mkdir -p bench-results
	$(GO) run ./test/bench/e2e --bin $(BIN) --rate $(RATE) --out bench-results/e2e.json

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## clean: remove the binaries; clean-state: remove every run's state under state/
clean:
	rm -rf $(BIN)

clean-state:
	rm -rf state
