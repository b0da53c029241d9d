// Starts @firestore-emulator/server on 127.0.0.1:PORT (loopback only) and prints "ready".
// The package's own start() binds 0.0.0.0, so this binds its gRPC server directly.
const { ServerCredentials } = require("@grpc/grpc-js");
const { FirestoreServer } = require("@firestore-emulator/server");

const port = Number(process.argv[2]);
const emulator = new FirestoreServer();
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
