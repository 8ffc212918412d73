// Starts fauxqs (SQS, SNS and S3 on one port) bound to 127.0.0.1.
//
// fauxqs's own CLI and startFauxqs() listen on 0.0.0.0, so this builds the app with buildApp()
// and listens itself. The package is loaded from the directory given by --fauxqs (the pinned
// install under .local/emulators), so this script can stay in the source tree.
//
// Usage: node fauxqs.mjs --fauxqs DIR --port N [--host 127.0.0.1] [--data-dir DIR] [--log-level warn]
//        [--exit-on-stdin-eof]
import { parseArgs } from "node:util";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const { values } = parseArgs({
  options: {
    fauxqs: { type: "string" },
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "data-dir": { type: "string" },
    // Fastify logs every request at "info"; a full test run would fill the log with them.
    "log-level": { type: "string", default: "warn" },
    "exit-on-stdin-eof": { type: "boolean", default: false },
  },
});
if (!values.fauxqs || !values.port) {
  console.error("usage: fauxqs.mjs --fauxqs DIR --port N [--host H] [--data-dir DIR] [--log-level L] [--exit-on-stdin-eof]");
  process.exit(2);
}

const load = (rel) => import(pathToFileURL(join(values.fauxqs, "dist", rel)).href);
const { buildApp } = await load("app.js");
const { SqsStore } = await load("sqs/sqsStore.js");
const { SnsStore } = await load("sns/snsStore.js");
const { S3Store } = await load("s3/s3Store.js");

const sqsStore = new SqsStore();
const snsStore = new SnsStore();
const s3Store = new S3Store();
// An empty host makes queue URLs use the request's Host header (http://127.0.0.1:PORT/000000000000/name),
// which resolves everywhere; the default builds sqs.REGION.localhost:PORT, which plain glibc does not resolve.
sqsStore.host = "";

// Persistence wiring mirrors startFauxqs() in fauxqs 2.4.1: load first, then attach, so that
// loading does not write back through the persistence layer.
let persistence;
if (values["data-dir"]) {
  const { PersistenceManager } = await load("persistence.js");
  persistence = new PersistenceManager(values["data-dir"]);
  persistence.load(sqsStore, snsStore, s3Store);
  sqsStore.persistence = persistence;
  snsStore.persistence = persistence;
  s3Store.persistence = persistence;
  for (const queue of sqsStore.allQueues()) {
    queue.persistence = persistence;
  }
}

const app = buildApp({
  logger: { level: values["log-level"] },
  stores: { sqsStore, snsStore, s3Store },
});
if (persistence) {
  app.addHook("preClose", () => persistence.close());
}

let closing = false;
async function shutdown(code) {
  if (closing) return;
  closing = true;
  try {
    await app.close();
  } finally {
    process.exit(code);
  }
}
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
if (values["exit-on-stdin-eof"]) {
  // The harness keeps our stdin open; EOF means it is gone, even if it was killed outright.
  process.stdin.on("end", () => shutdown(0));
  process.stdin.on("error", () => shutdown(0));
  process.stdin.resume();
}

try {
  const address = await app.listen({ port: Number(values.port), host: values.host });
  console.log(`fauxqs listening on ${address}`);
} catch (err) {
  console.error(`fauxqs failed to listen on ${values.host}:${values.port}: ${err.message}`);
  process.exit(3);
}
