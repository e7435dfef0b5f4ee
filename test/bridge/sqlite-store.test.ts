/**
 * What only the SQLite store does: several processes opening one fresh file at the same moment (issue 16, item 8:
 * about one start in six failed with `database is locked` while the busy timeout was set only after the switch to
 * WAL), opening one while another connection holds its write lock (SQLite does not wait there: the store retries),
 * and its own purge of expired rows, on the bridge's injected clock.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { createMemoryLogger } from '../../common/logging.js';
import { PURGE_EVERY_MS, SqliteBridgeStore } from '../../bridge/store/sqlite.js';

const OPENER = fileURLToPath(new URL('./sqlite-opener.ts', import.meta.url));
const PROCESSES = 6;
const ROUNDS = 20;

const tempDirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-sqlite-'));
  tempDirs.push(dir);
  return join(dir, 'bridge.sqlite');
};
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A worker thread that takes the write lock of `file`, says `locked`, and gives it back after `holdMs`. */
const HOLDER = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { DatabaseSync } = require('node:sqlite');
      const db = new DatabaseSync(workerData.file);
      db.exec('BEGIN IMMEDIATE');
      parentPort.postMessage('locked');
      setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.holdMs);
    `;

/** A child that answers one line per line it is sent. */
interface Opener {
  child: ChildProcess;
  next(): Promise<string>;
}

function startOpener(): Opener {
  const child = spawn(process.execPath, ['--import', 'tsx', '--disable-warning=ExperimentalWarning', OPENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const take = waiting.shift();
    if (take) take(line);
    else lines.push(line);
  });
  child.once('exit', (code) => {
    for (const take of waiting.splice(0)) take(`exited (${code})`);
  });
  return { child, next: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))) };
}

/** The next line that is not `skipped`. */
async function untilNot(skipped: string, opener: Opener): Promise<string> {
  for (;;) {
    const line = await opener.next();
    if (line !== skipped) return line;
  }
}

describe('bridge store: SQLite', () => {
  describe(`${PROCESSES} processes opening one fresh file at the same moment`, function () {
    this.timeout(60_000);
    let openers: Opener[] = [];
    before(async () => {
      openers = Array.from({ length: PROCESSES }, startOpener);
      expect(await Promise.all(openers.map((o) => o.next()))).to.deep.equal(Array(PROCESSES).fill('ready'));
    });
    after(() => {
      for (const { child } of openers) child.kill();
    });

    it(`all open it, ${ROUNDS} rounds in a row (no "database is locked")`, async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const file = tempFile();
        for (const { child } of openers) child.stdin!.write(`${file}\n`); // released together
        const answers = await Promise.all(openers.map(async (o) => untilNot('busy', o)));
        expect(answers, `round ${round + 1}`).to.deep.equal(Array(PROCESSES).fill('ok'));
        // …and the file they share works: every process's write is there.
        const db = new DatabaseSync(file);
        try {
          expect((db.prepare('SELECT count(*) AS n FROM bridge_used_once').get() as { n: number }).n).to.equal(PROCESSES);
        } finally {
          db.close();
        }
      }
    });
  });

  describe('opening a fresh file while another connection holds its write lock', function () {
    this.timeout(30_000);
    let opener: Opener;
    before(async () => {
      opener = startOpener();
      expect(await opener.next()).to.equal('ready');
    });
    after(() => opener.child.kill());

    // Where waiting could deadlock (another connection holds the write lock, this one would need an exclusive lock to
    // switch to WAL) SQLite answers SQLITE_BUSY at once, without running the busy handler: the store retries.
    it('waits for the lock instead of failing with "database is locked"', async () => {
      const file = tempFile();
      const holder = new DatabaseSync(file);
      holder.exec('BEGIN IMMEDIATE');
      try {
        opener.child.stdin!.write(`${file}\n`);
        expect(await opener.next(), 'SQLite answered busy at once').to.equal('busy');
      } finally {
        holder.exec('COMMIT'); // released only once the other process has been refused
        holder.close();
      }
      expect(await untilNot('busy', opener)).to.equal('ok');
    });
  });

  // The same, in this process (so mutation testing sees the retry loop): the lock is held by a worker thread, because
  // the store's retry blocks this thread and nothing here could release it.
  describe('the switch to WAL, retried in this process', () => {
    const busyLines = (logger: ReturnType<typeof createMemoryLogger>) =>
      logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'bridge.store_busy');

    it('retries while another connection holds the lock, telling each attempt, and opens once it is given back', async function () {
      this.timeout(30_000);
      const file = tempFile();
      const holder = new Worker(HOLDER, { eval: true, workerData: { file, holdMs: 150 } });
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      await new Promise((resolve) => holder.once('message', resolve)); // 'locked'
      const logger = createMemoryLogger('debug');
      const store = new SqliteBridgeStore(file, { logger });
      try {
        expect(await store.useOnce('after-the-wait', Date.now() + 60_000)).to.equal(true);
      } finally {
        await store.close();
      }
      const busy = busyLines(logger);
      expect(busy.length).to.be.greaterThan(0);
      expect(busy.map((line) => [line.level, line.step, line.attempt])).to.deep.equal(busy.map((_, i) => ['warn', 'wal', i + 1]));
      await exited;
    });

    it('gives up with SQLite’s busy error once the busy timeout has passed', async function () {
      this.timeout(30_000);
      const file = tempFile();
      const holder = new DatabaseSync(file);
      holder.exec('BEGIN IMMEDIATE'); // held by this thread: never given back while the store waits
      const logger = createMemoryLogger('debug');
      try {
        const error = (() => {
          try {
            new SqliteBridgeStore(file, { logger });
          } catch (e) {
            return e as { errcode?: number };
          }
          return undefined;
        })();
        expect(error?.errcode, 'SQLITE_BUSY').to.equal(5);
        expect(busyLines(logger).length).to.be.greaterThan(1);
      } finally {
        holder.exec('COMMIT');
        holder.close();
      }
    });
  });

  describe('its connection', () => {
    it('a write waits for another connection’s lock (the busy timeout) instead of failing', async function () {
      this.timeout(30_000);
      const file = tempFile();
      const store = new SqliteBridgeStore(file);
      try {
        await store.useOnce('before', Date.now() + 60_000); // the file exists, in WAL mode
        const holder = new Worker(HOLDER, { eval: true, workerData: { file, holdMs: 150 } });
        const exited = new Promise((resolve) => holder.once('exit', resolve));
        await new Promise((resolve) => holder.once('message', resolve)); // 'locked'
        expect(await store.useOnce('while-locked', Date.now() + 60_000)).to.equal(true);
        await exited;
      } finally {
        await store.close();
      }
    });

    it('a file that is no database fails at once, without retries', () => {
      const file = tempFile();
      writeFileSync(file, 'not a database, just text that is long enough to have a header of sorts..........', { mode: 0o600 });
      const logger = createMemoryLogger('debug');
      expect(() => new SqliteBridgeStore(file, { logger })).to.throw();
      expect(logger.lines.filter((line) => line.includes('bridge.store_busy'))).to.deep.equal([]);
    });

    it(':memory: writes no file; close() closes, and closing twice is harmless; opening leaks no file descriptor', async () => {
      const fds = () => readdirSync('/proc/self/fd').length;
      const before = fds();
      for (let i = 0; i < 5; i += 1) {
        const store = new SqliteBridgeStore(tempFile());
        await store.close();
        expect(store.db.isOpen).to.equal(false);
        await store.close();
      }
      expect(fds()).to.equal(before);
      // In an empty working directory of its own, so that nothing else can have left a file there.
      const cwd = process.cwd();
      const empty = mkdtempSync(join(tmpdir(), 'bridge-cwd-'));
      tempDirs.push(empty);
      process.chdir(empty);
      try {
        await new SqliteBridgeStore(':memory:').close();
        expect(readdirSync(empty), 'files written by a :memory: store').to.deep.equal([]);
      } finally {
        process.chdir(cwd);
      }
    });
  });

  describe('its own purge of expired rows', () => {
    const T = Date.UTC(2031, 5, 1); // far from the wall clock: only the injected clock can make these rows expire
    let clock = T;
    let file: string;
    let store: SqliteBridgeStore;
    const link = (id: string, expiresAt: number) => store.createLink({ id, version: 1, clientId: 'alexa', upstreamRefreshToken: 'sealed', expiresAt });
    /** Rows in the file, expired or not (the store's own reads hide expired ones). */
    const rows = () => {
      const db = new DatabaseSync(file);
      try {
        const ids = (db.prepare('SELECT id FROM bridge_links ORDER BY id').all() as { id: string }[]).map((r) => r.id);
        const keys = (db.prepare('SELECT key FROM bridge_used_once ORDER BY key').all() as { key: string }[]).map((r) => r.key);
        return { links: ids, used: keys };
      } finally {
        db.close();
      }
    };

    beforeEach(() => {
      clock = T;
      file = tempFile();
      store = new SqliteBridgeStore(file, { now: () => clock });
    });
    afterEach(() => store.close());

    it('runs on the first write, then at most every PURGE_EVERY_MS, by the injected clock, deleting only what has expired', async () => {
      await link('expired', T - 1);
      await link('ends-at-first-purge', T); // expired at T, as reads see it (they want expires_at > now)
      await link('live', T + 3 * PURGE_EVERY_MS);
      await link('expires-soon', T + 1_000);
      await link('ends-at-second-purge', T + PURGE_EVERY_MS);
      await store.useOnce('first', T + 500); // the first write purges
      expect(rows()).to.deep.equal({ links: ['ends-at-second-purge', 'expires-soon', 'live'], used: ['first'] });

      clock = T + PURGE_EVERY_MS - 1; // 'first' and 'expires-soon' have expired, but the last purge was too recent
      await store.useOnce('second', T + 2 * PURGE_EVERY_MS);
      await store.useOnce('ends-at-second-purge', T + PURGE_EVERY_MS);
      expect(rows()).to.deep.equal({ links: ['ends-at-second-purge', 'expires-soon', 'live'], used: ['ends-at-second-purge', 'first', 'second'] });
      expect(await store.getLink('expires-soon', clock)).to.equal(undefined); // hidden from reads all the same

      clock = T + PURGE_EVERY_MS;
      await store.useOnce('third', T + 2 * PURGE_EVERY_MS);
      expect(rows()).to.deep.equal({ links: ['live'], used: ['second', 'third'] });
    });
  });
});
