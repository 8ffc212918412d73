# Local AWS emulators: DynamoDB Local and fauxqs (SQS, SNS, S3), pinned in scripts/emulators and
# installed into .local/emulators (git-ignored). See scripts/emulators/README.md.
#
# In a recipe:
#   $(WITH_EMULATORS) sh -c 'go vet ./... && go test ./...'        # in memory, fresh every run
#   $(WITH_PERSISTENT_EMULATORS) go run ./scripts/devstack           # data kept in $(EMULATORS_DATA)
#
# The harness is built to a binary rather than run with `go run`, because `go run` turns every
# non-zero exit into 1 and does not pass SIGTERM on; the build is cached, so this costs little.

EMULATORS_BIN  := .local/bin/withemulators
EMULATORS_DATA := .local/dev
WITH_EMULATORS = go build -o $(EMULATORS_BIN) ./scripts/withemulators && $(EMULATORS_BIN) --
WITH_PERSISTENT_EMULATORS = go build -o $(EMULATORS_BIN) ./scripts/withemulators && $(EMULATORS_BIN) -persist $(EMULATORS_DATA) --

.PHONY: emulators-install emulators-clean

# Idempotent: returns at once when the pinned versions are already installed.
emulators-install:
	bash scripts/emulators/install.sh

# Removes the install and logs (not the dev data in $(EMULATORS_DATA)).
emulators-clean:
	rm -rf .local/emulators $(EMULATORS_BIN)
