# potau — build, run and check targets. A fresh machine needs only Go.
GO       ?= go
BIN      := bin/potau
DATA_DIR := $(abspath ../shared/datasets)
# Tests read the offline MovieLens copies when they exist (they skip otherwise).
export POTAU_DATA ?= $(if $(wildcard $(DATA_DIR)),$(DATA_DIR),)

# Fragments may add prerequisites to these.
TEST_DEPS :=

.PHONY: all build run test bench fuzz lint parity reproduce clean
all: build

build:
	$(GO) build -o $(BIN) ./cmd/potau

-include mk/*.mk

## run: the main job on the embedded default (synthetic data, quickstart config)
run: build
	./$(BIN) run configs/quickstart.yaml --out runs/quickstart

## test: every unit, golden and regression test (< 10 min on 2 cores), then the
## internal kernels again with -tags purego (the pure-Go fallbacks)
test: $(TEST_DEPS)
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(GO) test -count=1 -tags purego ./internal/...

## bench: kernel, training, attack and unlearning benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## reproduce: the ML-100K paper config and the α and dimension sweeps, then one combined report (runs/report)
reproduce: build
	./$(BIN) run configs/paper/ml-100k.yaml --out runs/paper-ml-100k
	./$(BIN) run configs/sweeps/alpha.yaml --out runs/sweep-alpha
	./$(BIN) run configs/sweeps/dim.yaml --out runs/sweep-dim
	./$(BIN) report runs/paper-ml-100k runs/sweep-alpha runs/sweep-dim --out runs/report

clean:
	rm -rf bin
