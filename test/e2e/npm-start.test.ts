/**
 * `npm start`'s own entry (local/cli/start.ts, run by tsx as package.json does) as a child process: ephemeral ports, a
 * temporary data directory (LOCAL_DATA_DIR), the banner, the health endpoints, a clean SIGTERM, a clear failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../local/alexa/config.js';
import { DEMO } from '../../local/demo.js';

/** tsx's CLI, run by the Node running the tests (the project's Node 24), as `npm start` runs it. */

interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function startEntry(env: Record<string, string>): Started {
  // As package.json's start script runs it: Node with tsx's loader (no tsx CLI process in between, whose signal
  // relay can give up under load and exit 130). Its own process group, as a terminal's job is.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/cli/start.ts'], {
    cwd: PROJECT_ROOT,
    // Request lines are info lines: whatever the test runner's own environment says, npm start logs at info here.
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function until(condition: () => boolean, what: string | (() => string), timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm start (local/cli/start.ts as a child process)', function () {
  this.timeout(30_000);
  let dataDir: string;
  let running: Started | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'npm-start-'));
  });
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null && running.child.pid !== undefined) {
      process.kill(-running.child.pid, 'SIGKILL'); // the whole group: tsx and the stack it started
      await running.exited;
    }
    running = undefined;
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the URLs and the demo login, answers on all six pieces, and exits 0 on SIGTERM', async () => {
    running = startEntry({ PORT: '0', AUTH_PORT: '0', API_PORT: '0', SIMULATOR_PORT: '0', BRIDGE_PORT: '0', ALEXA_CLOUD_PORT: '0', LOCAL_DATA_DIR: dataDir });
    const started = running;
    await until(() => started.stdout().includes('Ctrl-C stops everything.') || started.child.exitCode !== null, 'the banner');
    const out = started.stdout();
    expect(out).to.include(`${DEMO.user.email} / ${DEMO.user.password}`);
    expect(out).to.match(/demo-only/i);
    expect(out).to.include('npm run link');
    expect(out).to.include('npm run dialog -- --say "order a ride to the airport"');

    const urlOf = (label: string) => new RegExp(`${label}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(out)?.[1];
    const urls = {
      skill: urlOf('skill endpoint'),
      auth: urlOf('authorization server'),
      api: urlOf('Ride Hailer API'),
      simulator: urlOf('Alexa simulator'),
      bridge: urlOf('linking bridge'),
      cloud: urlOf('local Alexa cloud'),
    };
    for (const [piece, url] of Object.entries(urls)) expect(url, piece).to.be.a('string');
    for (const piece of ['skill', 'auth', 'api', 'simulator', 'bridge', 'cloud'] as const) {
      const health = await fetch(`${urls[piece]}/healthz`);
      expect(health.status, piece).to.equal(200);
      expect(await health.json()).to.include({ status: 'ok' });
      // Health probes are logged at debug only; a request that is not routine gets its line at the default level.
      await (await fetch(`${urls[piece]}/no-such-page`)).arrayBuffer();
    }
    // Request log lines are JSON and name the piece (they are written once each answer is sent).
    const servicesLogged = () =>
      new Set(
        started
          .stdout()
          .split('\n')
          .filter((line) => line.includes('"event":"http_request"'))
          .map((line) => (JSON.parse(line) as { service: string }).service),
      );
    const pieces = ['api', 'auth', 'bridge', 'cloud', 'simulator', 'skill'];
    await until(() => pieces.every((piece) => servicesLogged().has(piece)), () => `a request line from every piece (seen: ${[...servicesLogged()].sort().join(', ')})`, 15_000);
    expect([...servicesLogged()].sort()).to.deep.equal(pieces);

    started.child.kill('SIGTERM');
    expect(await started.exited).to.equal(0);
    expect(started.stderr()).to.not.match(/error/i);
  });

  it('exits 1 with one line per port taken, naming the port and its variable, all at once', async () => {
    const blockers = [createServer(), createServer()];
    for (const blocker of blockers) await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const [authPort, bridgePort] = blockers.map((blocker) => (blocker.address() as { port: number }).port);
    try {
      running = startEntry({ PORT: '0', AUTH_PORT: String(authPort), API_PORT: '0', SIMULATOR_PORT: '0', BRIDGE_PORT: String(bridgePort), ALEXA_CLOUD_PORT: '0', LOCAL_DATA_DIR: dataDir });
      expect(await running.exited).to.equal(1);
      const message = running
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('npm start:'));
      expect(message).to.have.length(2);
      expect(message.join('\n')).to.include(`port ${authPort} (AUTH_PORT) is already in use`).and.include(`port ${bridgePort} (BRIDGE_PORT) is already in use`);
    } finally {
      for (const blocker of blockers) await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('says once that a stack is already running, and stops on Ctrl-C to the whole group with "stopped" and 0', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const simulatorPort = String((probe.address() as { port: number }).port);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const ports = { PORT: '0', AUTH_PORT: '0', API_PORT: '0', BRIDGE_PORT: '0', ALEXA_CLOUD_PORT: '0', LOCAL_DATA_DIR: dataDir };
    running = startEntry({ ...ports, SIMULATOR_PORT: simulatorPort });
    const first = running;
    await until(() => first.stdout().includes('Ctrl-C stops everything.') || first.child.exitCode !== null, 'the banner');

    const second = startEntry({ ...ports, SIMULATOR_PORT: simulatorPort });
    expect(await second.exited).to.equal(0);
    expect(second.stdout().match(/already running/g)).to.have.length(1);
    expect(second.stderr()).to.equal('');

    // A terminal's Ctrl-C reaches every process of the group.
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await first.exited).to.equal(0);
    expect(first.stderr()).to.include('npm start: stopped.').and.not.include('leaving without waiting');
  });
});
