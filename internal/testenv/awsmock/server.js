// Starts dynalite or kinesalite in memory on 127.0.0.1 and a free port,
// prints {"port":N} on stdout, and exits when stdin closes.
'use strict';
const which = process.argv[2];
const opts = which === 'dynalite'
  ? { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }
  : { createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 };
const server = require(which)(opts);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
