// Starts @firestore-emulator/server on 127.0.0.1:PORT (loopback only) and prints "ready".
// The package's own start() binds 0.0.0.0, so this binds its gRPC server directly.
const { ServerCredentials, status } = require("@grpc/grpc-js");
const { FirestoreServer } = require("@firestore-emulator/server");

const port = Number(process.argv[2]);
const emulator = new FirestoreServer();

// The package applies a commit's writes one at a time and stops at the first failed
// precondition, keeping the writes before it; Cloud Firestore commits a batch all or nothing.
// Checking every precondition before the package writes anything restores that, so the store
// contract's all-or-nothing tests mean here what they mean on Cloud Firestore.
//
// The package also ignores update-time preconditions ("the document must exist and have been
// last updated at this time", google.firestore.v1.Precondition.update_time), which Cloud
// Firestore refuses with FAILED_PRECONDITION when they do not hold; they are checked here too.
// It stamps writes to the millisecond, so two commits in one millisecond would give a document
// the same update time twice and such a precondition could not tell them apart: each commit
// waits for the clock to move past the previous one (Cloud Firestore's times are per commit).
const COMMIT = "/google.firestore.v1.Firestore/Commit";
const commit = emulator.server.handlers.get(COMMIT);
let lastCommit = 0;

function failedPrecondition(write) {
  if (!write.has_current_document) return null;
  const name = write.has_delete ? write.delete : write.update.name;
  const { metadata } = emulator.state.getDocument(name);
  const wanted = write.current_document;
  if (wanted.has_exists && metadata.hasExist !== wanted.exists) {
    return metadata.hasExist
      ? { code: status.ALREADY_EXISTS, message: `${name} already exists` }
      : { code: status.NOT_FOUND, message: `${name} not found` };
  }
  if (wanted.has_update_time) {
    const millis = wanted.update_time.seconds * 1000 + Math.floor(wanted.update_time.nanos / 1e6);
    if (!metadata.hasExist || metadata.updatedAt.getTime() !== millis) {
      return { code: status.FAILED_PRECONDITION, message: `${name} was changed since it was read` };
    }
  }
  return null;
}

emulator.server.unregister(COMMIT);
emulator.server.register(
  COMMIT,
  (call, callback) => {
    for (const write of call.request.writes) {
      const failed = failedPrecondition(write);
      if (failed) {
        callback(failed, null);
        return;
      }
    }
    while (Date.now() <= lastCommit) {
      // under a millisecond: the next commit gets a later time than this one
    }
    commit.func(call, callback);
    lastCommit = Date.now();
  },
  commit.serialize,
  commit.deserialize,
  commit.type,
);
emulator.server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log("ready");
});
process.on("SIGTERM", () => {
  emulator.stop();
  process.exit(0);
});
