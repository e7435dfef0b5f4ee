/**
 * docs/deploying.md "To Amazon", step 2, done as a user does it: a fresh copy of the project (as the other deploy tests make
 * it: what a clone has, no dist/, no .ask/), the `environmentVariables` block of docs/deploying.md — parsed from that file
 * itself, so the documentation cannot drift from what works — pasted into ask-resources.json with this machine's values,
 * then a bare `npx ask deploy` (the real ASK CLI against the local Alexa cloud, the function run under
 * aws-lambda-ric) and `ask dialog --replay`, which must greet the linked user by name. No ALEXA_SKILL_ID anywhere.
 * Then the same function with variables missing or malformed: it answers naming them, and logs them in one line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadSkillConfig } from '../../lambda/config.js';
import type { MemoryTokenStore } from '../../local/alexa/token-store.js';
import type { AlexaCloud } from '../../local/alexa-cloud/index.js';
import { DEMO } from '../../local/demo.js';
import type { LocalStack } from '../../local/stack.js';
import { localFunctionEnvironment } from '../../scripts/deploy/rehearsal.js';
import { startDeployRig, type DeployRig } from '../support/deploy-rig.js';
import { copyProject, ENVIRONMENT_PROFILE, PROJECT_ROOT, runAsk, type ProjectCopy } from '../support/ask-cli.js';

const MARKER = 'test/deploy/bare-deploy.test.ts pastes the next block';

/** The ```json block after the marker comment in docs/deploying.md. */
async function readmeEnvironmentBlock(): Promise<Record<string, string>> {
  const readme = await readFile(join(PROJECT_ROOT, 'docs', 'deploying.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  expect(at, 'docs/deploying.md marks its environmentVariables block').to.be.greaterThan(-1);
  const block = /```json\n([\s\S]*?)\n\s*```/.exec(readme.slice(at));
  expect(block, 'a ```json block follows the marker').to.not.equal(null);
  return JSON.parse(block![1]!) as Record<string, string>;
}

describe('deploy: docs/deploying.md "To Amazon" — a fresh copy, the environment block, a bare `ask deploy`, then `ask dialog`', function () {
  this.timeout(240_000);
  let stack: LocalStack;
  let cloud: AlexaCloud;
  let project: ProjectCopy;
  let work: string;
  let block: Record<string, string>;
  let skillId: string;
  let functionName: string;
  const functionLines: string[] = [];
  let tokenStore: MemoryTokenStore;
  let rig: DeployRig;

  before(async () => {
    rig = await startDeployRig('bare-deploy-', { function: functionLines });
    ({ work, stack, cloud, tokenStore } = rig);
    project = await copyProject();
    block = await readmeEnvironmentBlock();
  });

  after(async () => {
    await project?.remove();
    await rig?.close();
  });

  /** What the user pastes: the documented block with their values (here: the local stack's), in every profile. */
  async function pasteEnvironment(variables: Record<string, string>): Promise<void> {
    const resources = await project.readJson('ask-resources.json');
    for (const profile of Object.values(resources.profiles) as Array<{ skillInfrastructure: { userConfig: Record<string, unknown> } }>) {
      profile.skillInfrastructure.userConfig.lambda = { environmentVariables: variables };
    }
    await project.writeJson('ask-resources.json', resources);
  }

  async function askDeploy(): Promise<void> {
    const run = await runAsk(['deploy'], { cwd: project.dir, cloudUrl: cloud.url });
    expect(run.timedOut, 'ask deploy timed out').to.equal(false);
    expect(run.code, `ask deploy failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
  }

  async function askDialog(): Promise<string> {
    const replay = join(work, 'replay.json');
    await writeFile(replay, JSON.stringify({ skillId, locale: 'en-US', type: 'text', userInput: ['open ride hailer', '.quit'] }));
    const run = await runAsk(['dialog', '--replay', replay], { cwd: project.dir, cloudUrl: cloud.url, timeoutMs: 60_000 });
    expect(run.code, `ask dialog failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
    return run.stdout;
  }

  const cloudFunction = async () => JSON.parse(await readFile(join(work, 'cloud', 'state.json'), 'utf8')).functions[functionName];

  it('documents a block the skill accepts as it stands, without ALEXA_SKILL_ID', () => {
    expect(Object.keys(block)).to.not.include('ALEXA_SKILL_ID');
    expect(Object.keys(block)).to.include('RIDE_API_URL');
    expect(() => loadSkillConfig(block, { skillId: 'optional' })).to.not.throw();
  });

  it('greets the linked user by name after a bare `ask deploy`', async () => {
    const local = localFunctionEnvironment({ AUTH_PORT: new URL(stack.urls.auth).port, API_PORT: new URL(stack.urls.api).port });
    const unknown = Object.keys(block).filter((name) => local[name] === undefined);
    expect(unknown, 'variables of the documented block this test has no local value for').to.deep.equal([]);
    await pasteEnvironment(Object.fromEntries(Object.keys(block).map((name) => [name, local[name]!])));

    await askDeploy();
    const states = (await project.readJson('.ask/ask-states.json')).profiles[ENVIRONMENT_PROFILE];
    skillId = states.skillId;
    functionName = states.skillInfrastructure['@ask-cli/lambda-deployer'].deployState.default.lambda.arn.split(':').pop();
    const deployed = await cloudFunction();
    expect(Object.keys(deployed.environment).sort()).to.deep.equal(Object.keys(block).sort());
    expect(deployed.permissions.map((p: { principal: string; eventSourceToken?: string }) => [p.principal, p.eventSourceToken])).to.deep.equal([['alexa-appkit.amazon.com', skillId]]);

    await stack.createSimulator({ tokenStore }).link({ email: DEMO.user.email, password: DEMO.user.password });
    expect(await askDialog()).to.contain(`Welcome back to Ride Hailer, ${DEMO.user.name}`);
  });

  it('with variables missing or malformed, answers naming them and logs them in one line', async () => {
    const { RIDE_API_URL: _api, ...rest } = (await cloudFunction()).environment as Record<string, string>;
    await pasteEnvironment({ ...rest, OAUTH_JWKS_URL: 'keys-not-a-url' });
    const from = functionLines.length;
    await askDeploy();

    const stdout = await askDialog();
    expect(stdout).to.contain('Ride Hailer is not set up yet').and.to.contain('RIDE_API_URL, OAUTH_JWKS_URL');
    expect(stdout).to.not.contain('keys-not-a-url');
    const lines = functionLines.slice(from).filter((line) => line.includes('RIDE_API_URL'));
    expect(lines, lines.join('\n')).to.have.length(1);
    const record = JSON.parse(lines[0]!.replace(/^\[[^\]]+\] /, ''));
    expect(record).to.include({ level: 'error', event: 'configuration_invalid', variables: 'RIDE_API_URL, OAUTH_JWKS_URL' });
    expect(record.problems).to.equal('RIDE_API_URL: not set (it is required); OAUTH_JWKS_URL: "keys-not-a-url" is not an absolute URL');
  });
});
