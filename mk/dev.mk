# The local stack (scripts/devstack; see scripts/devstack/README.md). Included from the top Makefile, after
# mk/emulators.mk.
#
#   make dev         the whole contact center on 127.0.0.1 until Ctrl-C (DEV_PORT, SMTP_PORT override the ports)
#   make demo        Nguyễn Thị Lan's story told to a running `make dev`
#   make bench-dev   the local stack's figures ("name: value unit"); DEV_BENCH_SECONDS=10 for a quick look,
#                    DEV_BENCH_CPUPROFILE=FILE for a pprof CPU profile of the stack's process
#   make smoke       one signed web-chat message through a running stack to an assigned conversation:
#                    BASE_URL=… TOKEN=… [WEBCHAT_SIGNING_SECRET=…] for a deployed stack; no arguments for make dev
#
# The programs are built to binaries rather than run with `go run`, which turns every exit status into 1
# and does not pass SIGTERM on.

DEV_BIN           := .local/bin/devstack
DEMO_BIN          := .local/bin/demo
BENCH_DEV_BIN     := .local/bin/bench-dev
DEV_BENCH_SECONDS ?= 60
BENCH_DEV_OUT     := .local/bench-dev.txt
SMOKE_BIN         := .local/bin/smoke

.PHONY: dev demo bench-dev smoke

# Emulators are started by devstack itself (data kept in .local/dev), or reused when DYNAMODB_ENDPOINT and
# SQS_ENDPOINT already point at running ones.
dev: emulators-install console
	@mkdir -p .local/bin
	$(GO) build -o $(DEV_BIN) ./scripts/devstack
	@exec $(DEV_BIN)

demo:
	@mkdir -p .local/bin
	@$(GO) build -o $(DEMO_BIN) ./scripts/demo
	@$(DEMO_BIN)

# Runs on emulators of its own (in memory), so it measures a quiet machine rather than a developer's stack.
bench-dev: emulators-install
	@mkdir -p .local/bin
	$(GO) build -o $(BENCH_DEV_BIN) ./scripts/devstack/bench
	$(WITH_EMULATORS) env DEV_BENCH_SECONDS=$(DEV_BENCH_SECONDS) $(BENCH_DEV_BIN) | tee $(BENCH_DEV_OUT)

# BASE_URL, TOKEN and WEBCHAT_SIGNING_SECRET reach the program through the environment (make exports command-line
# variables), so a token never appears in the recipe's echo.
smoke:
	@mkdir -p .local/bin
	@$(GO) build -o $(SMOKE_BIN) ./scripts/smoke
	@$(SMOKE_BIN)
