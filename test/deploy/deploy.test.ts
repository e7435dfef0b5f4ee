/**
 * The project's deploy path, end to end and offline: `npm run deploy -- --local` (scripts/deploy.ts running the real
 * ASK CLI's `ask deploy` + `ask smapi`) on a temporary copy of the project, against the real local Alexa cloud with
 * the real function runner; then the real `ask dialog --replay test/deploy/dialog.replay.json` against the deployed
 * function, before and after linking the simulated user through the local authorization server's login form.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MemoryTokenStore } from '../../local/alexa/token-store.js';
import type { AlexaCloud } from '../../local/alexa-cloud/index.js';
import { DEMO } from '../../local/demo.js';
import type { LocalStack } from '../../local/stack.js';
import { startDeployRig, type DeployRig } from '../support/deploy-rig.js';
import { copyProject, ENVIRONMENT_PROFILE, PROJECT_ROOT, runAsk, type ProjectCopy } from '../support/ask-cli.js';

const SECRET = `test-only-client-secret-${Math.random().toString(36).slice(2)}`;

interface Run {
  code: number | null;
  output: string;
}

describe('deploy: npm run deploy -- --local and ask dialog against the deployed function', function () {
  this.timeout(180_000);
  let stack: LocalStack;
  let cloud: AlexaCloud;
  let project: ProjectCopy;
  let work: string;
  const cloudLines: string[] = [];
  const functionLines: string[] = [];
  let tokenStore: MemoryTokenStore;
  let rig: DeployRig;
  let skillId: string;
  let functionArn: string;

  const stagingDir = () => join(project.dir, '.local', 'ask-rehearsal');

  before(async () => {
    rig = await startDeployRig('deploy-test-', { function: functionLines, cloud: cloudLines });
    ({ work, stack, cloud, tokenStore } = rig);
    project = await copyProject();
    // scripts/deploy.ts reads the local cloud's demo credentials and the stack's defaults from local/.
    await cp(join(PROJECT_ROOT, 'local'), join(project.dir, 'local'), { recursive: true });
    // …and writes the replay file (this one, with the new skill ID) next to its staging copy.
    await cp(join(PROJECT_ROOT, 'test/deploy/dialog.replay.json'), join(project.dir, 'test/deploy/dialog.replay.json'));
    await cp(join(PROJECT_ROOT, 'skill-package-variants'), join(project.dir, 'skill-package-variants'), { recursive: true });
  });

  after(async () => {
    await project?.remove();
    await rig?.close();
  });

  /** `npm run deploy -- --local` in the copy: the copy's own scripts/deploy.ts, on this Node, with tsx. */
  async function deploy(...args: string[]): Promise<Run> {
    const home = await mkdtemp(join(work, 'home-'));
    const child = spawn(process.execPath, ['--import', 'tsx', join(project.dir, 'scripts', 'deploy.ts'), '--local', ...args], {
      cwd: project.dir,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        ALEXA_CLOUD_PORT: new URL(cloud.url).port,
        AUTH_PORT: new URL(stack.urls.auth).port,
        API_PORT: new URL(stack.urls.api).port,
        ALEXA_LINKING_CLIENT_SECRET: SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, output };
  }

  /** The real `ask dialog --replay` with the checked-in replay file (its skill ID set), and what --save-skill-io wrote. */
  async function dialog(): Promise<{ stdout: string; turns: any[] }> {
    const replay = JSON.parse(await readFile(join(PROJECT_ROOT, 'test/deploy/dialog.replay.json'), 'utf8'));
    const replayFile = join(work, 'replay.json');
    const ioFile = join(work, 'skill-io.json');
    await writeFile(replayFile, JSON.stringify({ ...replay, skillId }));
    await rm(ioFile, { force: true });
    const run = await runAsk(['dialog', '--replay', replayFile, '--save-skill-io', ioFile], { cwd: stagingDir(), cloudUrl: cloud.url, timeoutMs: 60_000 });
    expect(run.code, `ask dialog failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
    const io = JSON.parse(await readFile(ioFile, 'utf8')) as { invocations: Array<{ request: unknown; response: { body: { status: string; result: any } } }> };
    return { stdout: run.stdout, turns: io.invocations.map((turn) => ({ request: turn.request, ...turn.response.body })) };
  }

  const cloudState = async () => JSON.parse(await readFile(join(work, 'cloud', 'state.json'), 'utf8'));
  const operations = (from: number) =>
    cloudLines.slice(from).map((line) => JSON.parse(line)).filter((l) => l.event === 'alexa_cloud_call').map((l) => `${l.api}:${l.operation}:${l.status}`);

  it('creates skill, role and function, subscribes the events at the function, and hands the cloud the secret but no file', async () => {
    const run = await deploy();
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.contain(`npx ask dialog --replay ${join(stagingDir(), 'dialog.replay.json')}`);

    const states = JSON.parse(await readFile(join(stagingDir(), '.ask', 'ask-states.json'), 'utf8')).profiles[ENVIRONMENT_PROFILE];
    skillId = states.skillId;
    const deployState = states.skillInfrastructure['@ask-cli/lambda-deployer'].deployState.default;
    functionArn = deployState.lambda.arn;
    expect(skillId).to.match(/^amzn1\.ask\.skill\./);
    expect(functionArn).to.match(/^arn:aws:lambda:us-east-1:\d{12}:function:/);
    expect(deployState.iamRole).to.match(/^arn:aws:iam::\d{12}:role\//);

    const manifest = cloud.skills.get(skillId, 'development')!.manifest as any;
    expect(manifest.apis.custom.endpoint.uri).to.equal(functionArn);
    expect(manifest.events.endpoint.uri).to.equal(functionArn);
    expect(manifest.events.subscriptions.map((s: { eventName: string }) => s.eventName)).to.have.members(['SKILL_ACCOUNT_LINKED', 'SKILL_ENABLED', 'SKILL_DISABLED']);

    const state = await cloudState();
    expect(state.skills[skillId].stages.development.accountLinking.request.clientSecret).to.equal(SECRET);
    expect(state.functions[functionArn.split(':').pop()!].environment.ALEXA_SKILL_ID).to.equal(skillId);
    expect(await filesContaining(project.dir, SECRET)).to.deep.equal([]);
    expect(run.output).to.not.contain(SECRET);
    expect(cloudLines.concat(functionLines).filter((line) => line.includes(SECRET))).to.deep.equal([]);
  });

  it('answers ask dialog: unlinked → LinkAccount card; after linking, a greeting and a ride with an ETA in one session', async () => {
    const unlinked = await dialog();
    expect(unlinked.stdout).to.contain('link your account');
    const first = unlinked.turns[0];
    expect(first.status).to.equal('SUCCESSFUL');
    const invocation = first.result.skillExecutionInfo.invocations[0];
    expect(invocation.invocationRequest.endpoint).to.equal(functionArn);
    expect(invocation.invocationRequest.body.request.type).to.equal('LaunchRequest');
    expect(invocation.invocationResponse.body.response.card).to.deep.equal({ type: 'LinkAccount' });

    await stack.createSimulator({ tokenStore }).link({ email: DEMO.user.email, password: DEMO.user.password });

    const linked = await dialog();
    expect(linked.stdout).to.contain(`Welcome back to Ride Hailer, ${DEMO.user.name}`);
    expect(linked.stdout).to.match(/Your car arrives in \d+ minutes?/);
    const [launch, order] = linked.turns.map((turn) => turn.result.skillExecutionInfo.invocations[0].invocationRequest.body);
    expect(launch.context.System.user.accessToken).to.be.a('string');
    expect(order.request.intent.name).to.equal('OrderRideIntent');
    expect(order.request.intent.slots.destination.resolutions.resolutionsPerAuthority[0].values[0].value.name).to.equal('airport');
    expect(order.session.sessionId).to.equal(launch.session.sessionId);
    expect(order.session.new).to.equal(false);
  });

  it('deploys a code change with the next deploy, and the function answers with the new behaviour; --account-linking applies a variant', async () => {
    const speech = join(project.dir, 'lambda', 'speech', 'en.ts');
    const source = await readFile(speech, 'utf8');
    expect(source).to.contain('Welcome back to Ride Hailer, ');
    await writeFile(speech, source.replace('Welcome back to Ride Hailer, ', 'Welcome back to Ride Hailer two, '));
    const name = functionArn.split(':').pop()!;
    const before = (await cloudState()).functions[name].codeSha256;
    const from = cloudLines.length;

    const run = await deploy('--account-linking', 'skill-package-variants/accountLinking.implicit.json');
    expect(run.code, run.output).to.equal(0);
    expect(operations(from)).to.include('lambda:UpdateFunctionCode:200');
    const linking = (await cloudState()).skills[skillId].stages.development.accountLinking.request;
    expect(linking).to.include({ type: 'IMPLICIT', authorizationUrl: 'https://bridge.ride-hailer.example/authorize' });
    expect(linking).to.not.have.property('clientSecret');
    expect((await cloudState()).functions[name].codeSha256).to.not.equal(before);
    expect((await dialog()).stdout).to.contain('Welcome back to Ride Hailer two, ');
  });

  it('fails loudly when the code does not build, and the function keeps serving the previous version', async () => {
    const index = join(project.dir, 'lambda', 'index.ts');
    await writeFile(index, `${await readFile(index, 'utf8')}\nexport const broken: number = ;\n`);
    const name = functionArn.split(':').pop()!;
    const before = (await cloudState()).functions[name].codeSha256;
    const from = cloudLines.length;

    const run = await deploy();
    expect(run.code).to.not.equal(0);
    expect(run.output).to.contain('✘ ask deploy failed');
    expect(run.output).to.match(/Expected expression|ERROR/);
    expect(operations(from).some((op) => op.startsWith('lambda:UpdateFunctionCode'))).to.equal(false);
    expect((await cloudState()).functions[name].codeSha256).to.equal(before);
    expect((await dialog()).stdout).to.contain('Welcome back to Ride Hailer two, ');
  });
});

/** Every file under `dir` (symlinks such as node_modules not followed) whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) hits.push(file);
  }
  return hits;
}
