# Strata's single entry point: CI and people both go through these targets.

GO        ?= go
BIN       := bin/strata
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
DATA_DIR  ?= ./data
FUZZTIME  ?= 30s
BENCHTIME ?= 1s

.PHONY: all build run test test-deps minio test-short bench bench-go fuzz lint clean

# Debian packages the client-compatibility tests run: librdkafka's kcat and
# confluent-kafka-python (for Debian's /usr/bin/python3).
TEST_DEBS := kcat python3-confluent-kafka

all: build

## build: compile the strata binary into bin/strata
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/strata

## run: one broker on 127.0.0.1:9092, data under ./data, object store in a local directory
run: build
	$(BIN) serve --data-dir $(DATA_DIR)

## test: vet, then every test with the race detector (what CI runs)
test: lint test-deps minio
	$(GO) test -race -count=1 -timeout 20m ./...

## test-deps: install the real clients the tests drive, when missing
test-deps:
	@missing=$$(for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

## minio: build the MinIO server the object-store tests run against, once,
## into ~/.cache/strata (a test tool only: never imported, vendored or shipped)
minio:
	$(GO) run ./tiered/objstore/miniotest/prebuild

## test-short: the quick subset, for the edit-compile loop
test-short:
	$(GO) test -short -count=1 ./...

## bench: the end-to-end suite (bench/README.md): its own brokers, MinIO and
## kfake on loopback, each figure beside a raw baseline, into bench/results/
bench: build minio
	$(GO) run ./bench/suite -strata $(BIN) -out bench/results $(BENCH_FLAGS)

## bench-go: the Go micro-benchmarks, each beside its baseline
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

## fuzz: every fuzz target for FUZZTIME each
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## lint: formatting and vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
