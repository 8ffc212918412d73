# The agent console (console/; see console/README.md). Included from the top Makefile.
#
#   make console        install its npm packages (only when the lock changed) and build console/dist
#                       (only when a source, the build or docs/openapi.yaml changed)
#   make console-bench  the browser test on its own stack, then its figures ("name: value unit")
#
# `make dev` serves console/dist at /console/; `make test` runs the browser test (console/e2e).

CONSOLE_SRC := $(shell find console/src console/static -type f -not -name schema.d.ts 2>/dev/null) \
	console/build.mjs console/tsconfig.json docs/openapi.yaml
CONSOLE_BENCH_OUT := .local/console-bench.txt

.PHONY: console console-install console-bench

console-install: console/node_modules/.installed
console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

console: console/dist/.built
console/dist/.built: console/node_modules/.installed $(CONSOLE_SRC)
	cd console && node build.mjs
	touch $@

console-bench: emulators-install console
	@mkdir -p .local
	$(WITH_EMULATORS) bash -c 'set -o pipefail; $(GO) test -count=1 -v -run TestConsoleInBrowser ./console/e2e/ | tee $(CONSOLE_BENCH_OUT)'
