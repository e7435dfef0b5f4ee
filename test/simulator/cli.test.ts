/**
 * The terminal tools as a tester runs them (tsx child processes against a stack in this process, sharing its data
 * directory): --help, the stack check, the failure journeys in one command each, --json and the link lines.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { completeLoginHeadlessly } from '../../local/auth/headless-login.js';
import { LINK_API_KEY_FILE, PROJECT_ROOT } from '../../local/alexa/config.js';
import { FileTokenStore } from '../../local/alexa/token-store.js';
import { DEMO } from '../../local/demo.js';
import { persistentKey } from '../../local/key-file.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

const TSX_CLI = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const run = promisify(execFile);

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(script: string, args: string[], env: Record<string, string>): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX_CLI, script, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the terminal tools (npm run link, dialog, fault, start --help)', function () {
  this.timeout(90_000);

  it('read the stack\'s ports in one place: a bad one is the same clear error from every command, never a TypeError', async () => {
    const commands: Array<[string, string[]]> = [
      ['local/cli/start.ts', []],
      ['local/cli/link.ts', ['--status']],
      ['local/cli/dialog.ts', ['--say', 'help']],
      ['local/cli/fault.ts', []],
      ['local/cli/reset.ts', []],
    ];
    const answers = await Promise.all(commands.map(([script, args]) => cli(script, args, { SIMULATOR_PORT: 'abc', LOCAL_DATA_DIR: join(tmpdir(), 'never-created-by-a-refused-command') })));
    for (const [i, answer] of answers.entries()) {
      const [script] = commands[i]!;
      expect(answer.code, `${script}: ${answer.stderr}`).to.not.equal(0);
      expect(answer.stderr, script).to.include('SIMULATOR_PORT: "abc" must be a port number (0–65535)');
      expect(answer.stderr, script).to.not.match(/TypeError|Invalid URL|\n\s+at /);
    }
  });

  it('explain themselves with --help, every option with an example', async () => {
    const [link, dialog, fault, start] = await Promise.all([
      cli('local/cli/link.ts', ['--help'], {}),
      cli('local/cli/dialog.ts', ['--help'], {}),
      cli('local/cli/fault.ts', ['--help'], {}),
      cli('local/cli/start.ts', ['--help'], {}),
    ]);
    for (const ran of [link, dialog, fault, start]) expect(ran.code, ran.stderr).to.equal(0);
    for (const option of ['--user', '--password', '--via', '--grant', '--scope', '--status', '--expire', '--revoke', '--unlink', '--help']) {
      expect(link.stdout).to.include(option);
    }
    expect(link.stdout).to.include('npm run link -- --revoke');
    for (const option of ['--locale', '--say', '--event', '--json', '.json', '.link', '--help']) expect(dialog.stdout).to.include(option);
    for (const option of ['status=', 'latency=', 'hang', 'malformed', 'refuse-tokens', 'off']) expect(fault.stdout).to.include(option);
    for (const variable of ['PORT=3000', 'AUTH_PORT', 'SIMULATOR_PORT', 'LOG_LEVEL', 'npm run reset']) expect(start.stdout).to.include(variable);
  });

  it('say "start it with npm start" when no stack answers, instead of waiting or pretending', async () => {
    const port = await closedPort();
    const env = { SIMULATOR_PORT: String(port), PORT: String(port), AUTH_PORT: String(port), LOCAL_DATA_DIR: await mkdtemp(join(tmpdir(), 'cli-nostack-')) };
    try {
      const [dialog, link, fault] = await Promise.all([
        cli('local/cli/dialog.ts', ['--say', 'hello'], env),
        cli('local/cli/link.ts', [], env),
        cli('local/cli/fault.ts', ['status=503'], env),
      ]);
      for (const ran of [dialog, link, fault]) {
        expect(ran.code).to.equal(1);
        expect(ran.stderr).to.include('start it with npm start');
        expect(ran.stdout).to.not.include('http://'); // no URL to a dead server, no "Account linked"
      }
    } finally {
      await rm(env.LOCAL_DATA_DIR, { recursive: true, force: true });
    }
  });

  describe('against a running stack', () => {
    let stack: LocalStack;
    let dataDir: string;
    let env: Record<string, string>;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'cli-stack-'));
      stack = await startLocalStack({
        log: () => undefined,
        signingDir: join(dataDir, 'alexa-ca'),
        tokenStore: new FileTokenStore(join(dataDir, 'alexa-link.json')),
        linkApiKey: await persistentKey(join(dataDir, LINK_API_KEY_FILE)),
      });
      const portOf = (url: string) => new URL(url).port;
      env = {
        LOCAL_DATA_DIR: dataDir,
        PORT: portOf(stack.urls.skill),
        AUTH_PORT: portOf(stack.urls.auth),
        SIMULATOR_PORT: portOf(stack.urls.simulator),
        BRIDGE_PORT: portOf(stack.urls.bridge),
      };
    });
    after(async () => {
      await stack?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('links with --scope basic_profile, and ordering names the missing permission', async () => {
      const link = await cli('local/cli/link.ts', ['--scope', 'basic_profile', '--user', DEMO.user.email, '--password', DEMO.user.password], env);
      expect(link.code, link.stderr).to.equal(0);
      expect(link.stdout).to.include('with scope "basic_profile"');
      const dialog = await cli('local/cli/dialog.ts', ['--say', 'order a ride to the airport'], env);
      expect(dialog.stdout).to.include('ordering rides').and.include('[card: LinkAccount]');
    });

    it('--expire, then the dialog shows the refresh; --json prints envelopes with tokens shortened', async () => {
      expect((await cli('local/cli/link.ts', ['--user', DEMO.user.email, '--password', DEMO.user.password], env)).code).to.equal(0);
      const expire = await cli('local/cli/link.ts', ['--expire'], env);
      expect(expire.stdout).to.include('now expired');
      const dialog = await cli('local/cli/dialog.ts', ['--json', '--say', 'who am i'], env);
      expect(dialog.code, dialog.stderr).to.equal(0);
      expect(dialog.stdout).to.include('(link) access token refreshed');
      expect(dialog.stdout).to.include('"type": "IntentRequest"').and.include('"outputSpeech"');
      const token = (await stack.simulator.linker.linked())!.accessToken;
      expect(dialog.stdout).to.include(`"accessToken": "${token.slice(0, 6)}…(${token.length})"`);
      expect(dialog.stdout).to.not.include(token);
      expect(dialog.stdout).to.include(DEMO.user.email);
    });

    it('links through the bridge and names the scope granted (the bridge\'s token answer names none: what was asked for)', async () => {
      const link = await cli('local/cli/link.ts', ['--via', 'bridge', '--user', DEMO.user.email, '--password', DEMO.user.password], env);
      expect(link.code, link.stderr).to.equal(0);
      expect(link.stdout).to.include('Account linked with scope "basic_profile order_car"');
    });

    it('--expire on an implicit link says it cannot be refreshed, and the next request gets the card', async () => {
      const link = await cli('local/cli/link.ts', ['--grant', 'implicit', '--user', DEMO.user.email, '--password', DEMO.user.password], env);
      expect(link.code, link.stderr).to.equal(0);
      const expire = await cli('local/cli/link.ts', ['--expire'], env);
      expect(expire.code, expire.stderr).to.equal(0);
      expect(expire.stdout).to.include('implicit link').and.include('no refresh token').and.not.include('refreshes it');
      const dialog = await cli('local/cli/dialog.ts', ['--say', 'who am i'], env);
      expect(dialog.stdout).to.include('(link) link expired').and.include('[card: LinkAccount]');
    });

    it('--revoke, then the link is dropped on the next request and the card comes back', async () => {
      expect((await cli('local/cli/link.ts', ['--user', DEMO.user.email, '--password', DEMO.user.password], env)).code).to.equal(0);
      const revoke = await cli('local/cli/link.ts', ['--revoke'], env);
      expect(revoke.code, revoke.stderr).to.equal(0);
      const dialog = await cli('local/cli/dialog.ts', ['--say', 'who am i'], env);
      expect(dialog.stdout).to.include('(link) link dropped').and.include('[card: LinkAccount]');
      expect(dialog.stderr, 'no raw JSON log line between the turns').to.not.include('{"');
      expect((await cli('local/cli/link.ts', ['--status'], env)).stdout).to.include('Not linked');
    });

    it('--revoke with nothing it can revoke says "Nothing revoked" and why, never "Linking failed"', async () => {
      expect((await cli('local/cli/link.ts', ['--unlink'], env)).code).to.equal(0);
      const again = await cli('local/cli/link.ts', ['--unlink'], env);
      expect(again.code).to.equal(0);
      expect(again.stdout, '--unlink with nothing linked says so').to.include('No account is linked: nothing to unlink.').and.not.include('Account unlinked');
      const notLinked = await cli('local/cli/link.ts', ['--revoke'], env);
      expect(notLinked.code).to.equal(1);
      expect(notLinked.stderr).to.include('Nothing revoked: no account is linked.').and.not.include('Linking failed');
      expect((await cli('local/cli/link.ts', ['--via', 'bridge', '--user', DEMO.user.email, '--password', DEMO.user.password], env)).code).to.equal(0);
      const bridged = await cli('local/cli/link.ts', ['--revoke'], env);
      expect(bridged.code).to.equal(1);
      expect(bridged.stderr).to.include("Nothing revoked: a link made through the bridge holds the bridge's token").and.not.include('Linking failed');
    });

    it('Ctrl-C while waiting for the browser says only the waiting stopped: the printed URL still links', async () => {
      expect((await cli('local/cli/link.ts', ['--unlink'], env)).code).to.equal(0);
      const child = spawn(process.execPath, [TSX_CLI, 'local/cli/link.ts'], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const waiting = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('Ctrl-C to give up')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await waiting;
      child.kill('SIGINT');
      expect(await exited).to.equal(130);
      expect(stderr).to.include('Stopped waiting (Ctrl-C)').and.include('linked all the same').and.not.include('Something went wrong');
      // …and it is true: the sign-in finished after Ctrl-C links the account.
      const authorizationUrl = /^ {2}(http\S+)$/m.exec(stdout)![1]!;
      const redirect = await completeLoginHeadlessly(authorizationUrl, { email: DEMO.user.email, password: DEMO.user.password });
      expect((await fetch(redirect)).status).to.equal(200);
      expect(await stack.simulator.linker.linked()).to.not.equal(undefined);
    });

    it('npm run fault switches the API faults of the running stack on and off', async () => {
      const on = await cli('local/cli/fault.ts', ['status=503', 'latency=10'], env);
      expect(on.code, on.stderr).to.equal(0);
      expect(on.stdout).to.include('status=503').and.include('latency=10').and.not.include('latencyMs'); // the switches as typed
      expect(stack.api.faults()).to.deep.include({ status: 503, latencyMs: 10 });
      const both = await cli('local/cli/fault.ts', ['retry-after=1', 'malformed', 'refuse-tokens'], env);
      expect(both.stdout).to.include('retry-after=1').and.include('malformed').and.include('refuse-tokens').and.not.match(/latencyMs|malformedJson|refuseAllTokens|retryAfterSeconds/);
      const unknown = await cli('local/cli/fault.ts', ['bogus=1'], env);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr.trim()).to.equal('bogus=1: unknown switch (see --help)');
      const wrong = await cli('local/cli/fault.ts', ['status=42'], env);
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.include('status must be an integer from 400 to 599');
      const off = await cli('local/cli/fault.ts', ['off'], env);
      expect(off.stdout).to.include('No API faults');
      expect(stack.api.faults()).to.deep.equal({});
    });
  });
});
