/**
 * Issue 16 item 3: weak configuration is refused (a ConfigError naming the variable) or warned about (a log line
 * naming the variable, never its value) at start — bridge/weak-config.ts says which and why — and the files the
 * bridge keeps (the SQLite store with its -wal/-shm, the local stack's key file) are created 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadBridgeConfig } from '../../bridge/config.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import { isLoopbackHost } from '../../common/loopback.js';
import { createMemoryLogger } from '../../common/logging.js';
import { bindSocket } from '../../local/bound-socket.js';
import { startLocalBridge } from '../../local/bridge.js';
import { DEMO } from '../../local/demo.js';
import { bridgeEnv, startTestBridge } from './helpers.js';

async function refusal(env: Record<string, string | undefined>): Promise<ConfigError> {
  const error = await loadBridgeConfig(bridgeEnv(env)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, JSON.stringify(env)).to.be.instanceOf(ConfigError);
  return error as ConfigError;
}

const LONG_SECRET = 'a-long-random-secret-of-forty-characters!';
const keyOf = (bytes: number[]) => Buffer.from(bytes).toString('base64url');
const mode = (path: string) => statSync(path).mode & 0o777;

describe('bridge: weak configuration refused or warned at start (issue 16, item 3)', () => {
  describe('http:// outside loopback is refused, naming the variable', () => {
    const cases: [string, string][] = [
      ['BRIDGE_PUBLIC_URL', 'http://bridge.example'],
      ['BRIDGE_PUBLIC_URL', 'http://10.0.0.5:3004'],
      ['BRIDGE_UPSTREAM_AUTHORIZATION_URL', 'http://auth.example/authorize'],
      ['BRIDGE_UPSTREAM_TOKEN_URL', 'http://128.0.0.1/token'],
      ['BRIDGE_UPSTREAM_TOKEN_URL', 'http://localhost.example/token'],
      ['BRIDGE_ALEXA_REDIRECT_URIS', 'http://pitangui.amazon.com/api/skill/link/M1'],
    ];
    for (const [variable, value] of cases) {
      it(`${variable}=${value}`, async () => {
        const error = await refusal({ [variable]: value });
        expect(error.variable).to.equal(variable);
        expect(error.message).to.match(/must use https:\/\//);
      });
    }
  });

  it('accepts http:// for loopback hosts: 127.0.0.0/8, ::1, localhost', async () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '[::1]', 'localhost', 'LOCALHOST']) {
      const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_PUBLIC_URL: `http://${host}:3004`, BRIDGE_UPSTREAM_TOKEN_URL: `http://${host}:9/token`, BRIDGE_ALEXA_REDIRECT_URIS: `http://${host}:3003/link/callback` }));
      expect(config.publicUrl).to.equal(`http://${host.toLowerCase()}:3004`);
    }
    expect(isLoopbackHost('127.0.0.1.example')).to.equal(false);
    expect(isLoopbackHost('::2')).to.equal(false);
    // The whole of 127.0.0.0/8, every octet up to three digits, and nothing that merely ends like it.
    for (const host of ['127.10.0.1', '127.0.10.1', '127.255.255.254', '[::1]']) expect(isLoopbackHost(host), host).to.equal(true);
    for (const host of ['x127.0.0.1', '10.127.0.0.1', '127.0.0.1000']) expect(isLoopbackHost(host), host).to.equal(false);
  });

  it("refuses Alexa's client secret (BRIDGE_CLIENT_SECRET) shorter than 32 characters", async () => {
    const error = await refusal({ BRIDGE_CLIENT_SECRET: 'x'.repeat(31) });
    expect(error.variable).to.equal('BRIDGE_CLIENT_SECRET');
    expect(error.message).to.contain('shorter than 32 characters');
    expect(error.message).not.to.contain('x'.repeat(31));
    const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_CLIENT_SECRET: 'x'.repeat(32), BRIDGE_UPSTREAM_CLIENT_SECRET: LONG_SECRET }));
    expect(config.warnings).to.deep.equal([]);
  });

  it("only warns about a short upstream secret (the provider's to choose), and about a short Alexa secret on a loopback bridge", async () => {
    const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_PUBLIC_URL: 'http://127.0.0.1:3004', BRIDGE_CLIENT_SECRET: 'short-alexa', BRIDGE_UPSTREAM_CLIENT_SECRET: 'short-upstream' }));
    expect(config.warnings.map((w) => w.variable)).to.deep.equal(['BRIDGE_CLIENT_SECRET', 'BRIDGE_UPSTREAM_CLIENT_SECRET']);
    // Each warning says what is wrong and why it is only a warning.
    expect(config.warnings.map((w) => w.problem)).to.deep.equal([
      "shorter than 32 characters; make up a long random one (e.g. `openssl rand -base64 32`) and enter it in the skill's account linking (accepted only because BRIDGE_PUBLIC_URL is loopback)",
      'shorter than 32 characters; ask the provider for a longer one if it offers that',
    ]);
  });

  it('logs each warning at start naming the variable, never the value', async () => {
    const t = await startTestBridge({ BRIDGE_UPSTREAM_CLIENT_SECRET: 'short-upstream' });
    try {
      const warnings = t.logger.lines.filter((line) => line.includes('bridge.config_warning'));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain('BRIDGE_UPSTREAM_CLIENT_SECRET').and.not.contain('short-upstream');
      expect(JSON.parse(warnings[0]!)).to.include({ level: 'warn' });
    } finally {
      await t.close();
    }
  });

  describe('a low-entropy BRIDGE_KEY is refused', () => {
    const cases: [string, number[]][] = [
      ['all one byte', Array<number>(32).fill(0x41)],
      ['all zero', Array<number>(32).fill(0)],
      ['a run 00 01 02 …', Array.from({ length: 32 }, (_, i) => i)],
      ['a run wrapping past ff', Array.from({ length: 32 }, (_, i) => (250 + 7 * i) % 256)],
      ['15 distinct values', Array.from({ length: 32 }, (_, i) => (i * 7) % 15)],
      ['text of two letters', [...Buffer.from('abababababababababababababababab')]],
    ];
    for (const [name, bytes] of cases) {
      it(name, async () => {
        const error = await refusal({ BRIDGE_KEY: keyOf(bytes) });
        expect(error.variable).to.equal('BRIDGE_KEY');
        expect(error.message).to.match(/low-entropy \(\d+ distinct byte values(, a run)?\): draw 32 random bytes/);
        // A run is named as one; a key that is only short of distinct values is not called a run.
        expect(error.message.includes(', a run)'), name).to.equal(!['15 distinct values', 'text of two letters'].includes(name));
      });
    }
    it('while 16 distinct values, and random keys, pass', async () => {
      await loadBridgeConfig(bridgeEnv({ BRIDGE_KEY: keyOf(Array.from({ length: 32 }, (_, i) => (i * 7) % 16)) }));
      for (let i = 0; i < 200; i += 1) await loadBridgeConfig(bridgeEnv({ BRIDGE_KEY: randomBytes(32).toString('base64url') }));
    });
  });

  describe('the files it keeps are 0600', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'bridge-modes-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('the SQLite store, its -wal and -shm files (and a file left 0644 is tightened)', async () => {
      const path = join(dir, 'data', 'bridge.sqlite');
      const store = new SqliteBridgeStore(path);
      try {
        await store.useOnce('state:x', Date.now() + 60_000); // a write: the WAL now exists
        for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file).toString(8), file).to.equal('600');
        expect(mode(join(dir, 'data')).toString(8)).to.equal('700');
      } finally {
        await store.close();
      }
      const older = join(dir, 'older.sqlite');
      writeFileSync(older, '', { mode: 0o644 });
      chmodSync(older, 0o644);
      await new SqliteBridgeStore(older).close();
      expect(mode(older).toString(8)).to.equal('600');
    });

    it('the local stack starts (loopback, DEMO-ONLY secrets) and keeps its key file 0600', async () => {
      const keyFile = join(dir, 'keys', 'bridge.key');
      const logger = createMemoryLogger('warn');
      const bridge = await startLocalBridge({
        socket: await bindSocket(0, '127.0.0.1'),
        upstream: { authorizationUrl: 'http://127.0.0.1:9/auth', tokenUrl: 'http://127.0.0.1:9/token' },
        simulatorOrigin: 'http://127.0.0.1:9',
        dataFile: join(dir, 'bridge.sqlite'),
        keyFile,
        logger,
      });
      try {
        expect(mode(keyFile).toString(8)).to.equal('600');
        expect(mode(join(dir, 'bridge.sqlite')).toString(8)).to.equal('600');
        // The DEMO-ONLY secrets meet the bridge's rules: npm start's log carries no configuration warning.
        expect(logger.lines.filter((line) => line.includes('bridge.config_warning'))).to.deep.equal([]);
        expect(DEMO.clientSecret.length).to.be.at.least(32);
      } finally {
        await bridge.close();
      }
    });
  });
});
