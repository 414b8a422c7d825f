// Starts dynalite, kinesalite or s3rver in memory (s3rver: in a temporary
// directory) on 127.0.0.1 and a free port, prints {"port":N} on stdout, and
// exits when stdin closes.
'use strict';
const which = process.argv[2];
const ready = (port) => process.stdout.write(JSON.stringify({ port }) + '\n');
let cleanup = () => {};
if (which === 's3rver') {
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const S3rver = require('s3rver');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir })
    .run()
    .then(({ port }) => ready(port), (err) => { console.error(err); process.exit(1); });
} else {
  const opts = which === 'dynalite'
    ? { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }
    : { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 };
  const server = require(which)(opts);
  server.listen(0, '127.0.0.1', () => ready(server.address().port));
}
const exit = () => { cleanup(); process.exit(0); };
process.stdin.on('end', exit);
process.stdin.resume();
process.on('SIGTERM', exit);
