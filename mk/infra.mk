# The CDK stack (infra/, its own Go module). Included from the top Makefile.
#
#   make synth   CDK_ARGS='-c stage=prod ...'   build the functions, synthesize offline (cdk-nag enforced)
#   make deploy  CDK_ARGS='-c stage=prod ...'   build the functions and the console, cdk deploy
#   make test-infra                             the stack's tests (one synth per run)
#
# Stage settings are CDK context; infra/README.md lists them.

INFRA_BUILD := .local/build
# Every folder under functions/ with a main.go is built; the stack deploys those listed in infra/stack/functions.go.
INFRA_FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))
CDK_ARGS ?=

# Quiet, offline-friendly CDK: no version check, notices or telemetry; Node 20's end-of-life notice
# silenced; no EC2 metadata probe while the CLI looks for default credentials.
INFRA_ENV := CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true \
	JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 AWS_EC2_METADATA_DISABLED=true
CDK := cd infra && $(INFRA_ENV) node_modules/.bin/cdk --no-notices

.PHONY: synth deploy test-infra infra-install functions-build infra-console

# The console's static files for the stack (console/dist), built by the
# console's own target when the checkout has one; synth never builds them (it
# stays offline and uploads console/dist as it is, or a placeholder page).
INFRA_CONSOLE_BUILD := $(shell [ -f console/package.json ] && grep -qsE '^console-build:' Makefile mk/*.mk && echo yes)

# Idempotent: npm runs only when package.json or the lock file changed since the last install.
infra-install: infra/node_modules/.installed
infra/node_modules/.installed: infra/package.json infra/package-lock.json
	cd infra && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The Lambda binaries: linux/arm64, static, no RPC shim (provided.al2023 needs none).
functions-build:
	@for f in $(INFRA_FUNCTIONS); do \
		echo "build $(INFRA_BUILD)/$$f/bootstrap"; \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o $(INFRA_BUILD)/$$f/bootstrap ./functions/$$f || exit 1; \
	done

synth: infra-install functions-build
	$(CDK) synth --quiet -c assets=$(abspath $(INFRA_BUILD)) $(CDK_ARGS)
	@echo "template: infra/cdk.out/"

infra-console:
ifeq ($(INFRA_CONSOLE_BUILD),yes)
	$(MAKE) --no-print-directory console-build
else
	@echo "console: no console/package.json or console-build target; deploying console/dist as it is (or a placeholder)"
endif

deploy: infra-install functions-build infra-console
	$(CDK) deploy --require-approval broadening -c assets=$(abspath $(INFRA_BUILD)) $(CDK_ARGS)

test-infra:
	cd infra && $(INFRA_ENV) $(GO) vet ./... && $(INFRA_ENV) $(GO) test -count=1 ./...
