/**
 * A child process for test/bridge/sqlite-store.test.ts: for each line on stdin (a file path) it opens the SQLite
 * store on that file, writes once and closes, then answers one line — `ok`, or `failed: <SQLite's message>`.
 * It says `ready` once loaded, so the test can release every child at the same moment.
 */
import { createInterface } from 'node:readline';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';

createInterface({ input: process.stdin }).on('line', (path) => {
  void (async () => {
    try {
      const store = new SqliteBridgeStore(path);
      await store.useOnce(`opened:${process.pid}`, Date.now() + 60_000);
      await store.close();
      process.stdout.write('ok\n');
    } catch (error) {
      process.stdout.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  })();
});
process.stdout.write('ready\n');
