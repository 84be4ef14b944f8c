# Bastion: build, run and test the whole appliance on one machine.
GO       ?= go
BIN      ?= $(CURDIR)/bin
STATE    ?=
ONCE     ?=
FUZZTIME ?= 3s
BASTION_DATA ?= $(abspath $(CURDIR)/../shared/data)
export BASTION_DATA

CMDS := ./high-side/cmd/... ./low-side/cmd/... ./guard/cmd/... ./diode/cmd/... ./test/appliance/cmd/...

.PHONY: all build run test test-unit test-integration fuzz-smoke bench bench-crypto lint clean

all: build

## build: compile every binary into bin/
build:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -o $(BIN)/ $(CMDS)

## run: the whole appliance on loopback (ONCE=1 STATE=DIR to stop after the replay)
run:
	@test/scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	$(BIN)/bastion-appliance --bin $(BIN) $(if $(STATE),--state $(STATE)) $(if $(ONCE),--once)

## test: unit tests, fuzz smoke, multi-process integration tests
test:
	@test/scripts/deps.sh test
	$(GO) vet ./...
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory fuzz-smoke

test-unit:
	$(GO) test -count=1 -timeout 15m ./...

test-integration: build
	BASTION_BIN=$(BIN) $(GO) test -count=1 -timeout 20m -tags integration ./test/...

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

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
