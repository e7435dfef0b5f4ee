/**
 * `npm run bench -- deploy`: the deploy path against the local Alexa cloud, on a temporary copy of the project —
 * wall time of the first `npm run deploy -- --local` (skill, role, function; the skill ID recorded and deployed
 * again; events endpoint; account linking) and of a second one without a change, each next to the ASK CLI's own
 * start-up (`ask --version`) measured in the same run; and the deployed function's cold invocation (new process,
 * runtime interface client, bundle loaded) against its warm ones.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchRequest, newSession, simulatorIdentity } from '../local/alexa/envelopes.js';
import { startAlexaCloud } from '../local/alexa-cloud/index.js';
import { LocalFunctionRunner } from '../local/alexa-cloud/runtime/index.js';
import { ASK_CLI, ENVIRONMENT_PROFILE } from '../scripts/deploy/ask.js';
import { startLocalStack } from '../local/stack.js';
import { median, ratio, table } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const COPIED = ['skill-package', 'ask-resources.json', 'hooks', 'common', 'lambda', 'scripts', 'local', 'test/deploy/dialog.replay.json', 'package.json', 'tsconfig.json'];
const WARM_INVOCATIONS = 20;

export async function benchDeploy(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'bench-deploy-'));
  const stack = await startLocalStack({ log: () => {}, env: { LOG_LEVEL: 'silent' } });
  const runner = new LocalFunctionRunner({ dataDir: join(work, 'runner'), log: () => {} });
  const cloud = await startAlexaCloud({ port: 0, dataDir: join(work, 'cloud'), runner, log: () => {}, logLevel: 'warn' });
  try {
    const project = join(work, 'project');
    for (const entry of COPIED) await cp(join(ROOT, entry), join(project, entry), { recursive: true });
    await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      ALEXA_CLOUD_PORT: new URL(cloud.url).port,
      AUTH_PORT: new URL(stack.urls.auth).port,
      API_PORT: new URL(stack.urls.api).port,
      LOG_LEVEL: 'silent',
    };
    const deploy = () => timed(process.execPath, ['--import', 'tsx', join(project, 'scripts', 'deploy.ts'), '--local'], project, env);
    const cliStart = await timed(process.execPath, [ASK_CLI, '--version'], project, env);
    const first = await deploy();
    const second = await deploy();

    const states = JSON.parse(await readFile(join(project, '.local', 'ask-rehearsal', '.ask', 'ask-states.json'), 'utf8')).profiles[ENVIRONMENT_PROFILE];
    const arn: string = states.skillInfrastructure['@ask-cli/lambda-deployer'].deployState.default.lambda.arn;
    const identity = simulatorIdentity(states.skillId, 'en-US');
    const invoke = async () => {
      const started = performance.now();
      const result = await runner.invoke(arn, launchRequest({ identity, locale: 'en-US', accessToken: undefined, now: new Date() }, newSession()));
      if (!result.ok) throw new Error(`the deployed function failed: ${result.errorType}`);
      return performance.now() - started;
    };
    const cold = await invoke();
    const warm: number[] = [];
    for (let i = 0; i < WARM_INVOCATIONS; i += 1) warm.push(await invoke());

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return [
      'Deploy (issue 8): npm run deploy -- --local on a temporary copy, real ASK CLI 2.30.7 against the local Alexa cloud; baseline = `ask --version` (CLI start-up) in the same run',
      table([
        { figure: 'first deploy (create skill, role, function; skill ID; events; linking)', baseline: s(cliStart), ours: s(first), ratio: ratio(first, cliStart), target: '—' },
        { figure: 'second deploy, no change', baseline: s(cliStart), ours: s(second), ratio: ratio(second, cliStart), target: '< first' },
        { figure: `deployed function: cold invoke vs warm median (${WARM_INVOCATIONS}), unlinked LaunchRequest`, baseline: `${median(warm).toFixed(1)} ms`, ours: `${cold.toFixed(0)} ms`, ratio: ratio(cold, median(warm)), target: '—' },
      ]),
    ].join('\n');
  } finally {
    await runner.close();
    await cloud.close();
    await stack.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Wall time of a command; throws with its output when it fails. */
async function timed(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`${args.slice(-2).join(' ')} failed (${code}):\n${output.slice(-2000)}`);
  return performance.now() - started;
}
