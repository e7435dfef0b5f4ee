/**
 * A child process for test/bridge/sqlite-store.test.ts: for each line on stdin (a file path) it opens the SQLite
 * store on that file, writes once and closes, then answers `ok`, or `failed: <SQLite's message>`; before that, a
 * `busy` line for each retry of the store's switch to WAL (writes to a pipe are synchronous on Linux, so the line is
 * out while the store's constructor still blocks this thread). It says `ready` once loaded, so the test can release
 * every child at the same moment.
 */
import { createInterface } from 'node:readline';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';

/** `busy` for each retry of the switch to WAL: the test releases its lock on it. */
const logger = { debug() {}, info() {}, error() {}, warn: (event: string) => void (event === 'bridge.store_busy' && process.stdout.write('busy\n')) };

createInterface({ input: process.stdin }).on('line', (path) => {
  void (async () => {
    try {
      const store = new SqliteBridgeStore(path, { logger });
      await store.useOnce(`opened:${process.pid}`, Date.now() + 60_000);
      await store.close();
      process.stdout.write('ok\n');
    } catch (error) {
      process.stdout.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  })();
});
process.stdout.write('ready\n');
