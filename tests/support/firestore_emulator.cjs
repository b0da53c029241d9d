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
const COMMIT = "/google.firestore.v1.Firestore/Commit";
const commit = emulator.server.handlers.get(COMMIT);
emulator.server.unregister(COMMIT);
emulator.server.register(
  COMMIT,
  (call, callback) => {
    for (const write of call.request.writes) {
      if (!(write.has_current_document && write.current_document.has_exists)) continue;
      const name = write.has_delete ? write.delete : write.update.name;
      const exists = emulator.state.getDocument(name).metadata.hasExist;
      if (exists !== write.current_document.exists) {
        const [code, what] = exists ? [status.ALREADY_EXISTS, "already exists"] : [status.NOT_FOUND, "not found"];
        callback({ code, message: `${name} ${what}` }, null);
        return;
      }
    }
    commit.func(call, callback);
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
