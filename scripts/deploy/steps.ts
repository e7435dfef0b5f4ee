/**
 * The steps `npm run deploy` adds after `ask deploy`, each through the real ASK CLI (`ask smapi …`) with the CLI's
 * own credentials:
 *  - the skill's ID into the function's environment (ALEXA_SKILL_ID), when ask-resources.json manages it;
 *  - `events.endpoint.uri` = the function's ARN, checked and repaired: `ask deploy` writes it only when
 *    ask-resources.json lists `userConfig.skillEvents` (this project does; skill.json must not carry `events`, since
 *    SMAPI refuses subscriptions without an endpoint at the first import), and a profile without them, or a manifest
 *    edited in the console, would leave the subscribed events (SkillAccountLinked, …) with nowhere to go;
 *  - skill-package/accountLinking.json with the client secret added from the environment, passed through a private
 *    temp file outside the repository (mode 0600, removed afterwards), never written into the project.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ask, askJson, DeployStepError, type AskRun } from './ask.js';

export interface DeployTarget {
  /** The folder `ask deploy` runs in (the project, or the local rehearsal's staging copy). */
  cwd: string;
  env: Record<string, string | undefined>;
  profile: string;
}

interface LambdaUserConfig {
  lambda?: { environmentVariables?: Record<string, string> };
  regionalOverrides?: Record<string, { lambda?: { environmentVariables?: Record<string, string> } }>;
}

export interface DeployState {
  skillId: string;
  functionArn: string;
}

const STAGE = 'development';

/** What `ask deploy` recorded in .ask/ask-states.json for the profile. */
export async function readDeployState(target: DeployTarget): Promise<DeployState> {
  const file = join(target.cwd, '.ask', 'ask-states.json');
  let states: { profiles?: Record<string, { skillId?: string; skillInfrastructure?: Record<string, { deployState?: Record<string, { lambda?: { arn?: string } }> }> }> };
  try {
    states = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DeployStepError('reading .ask/ask-states.json', (error as Error).message);
  }
  const profile = states.profiles?.[target.profile];
  const skillId = profile?.skillId;
  const functionArn = profile?.skillInfrastructure?.['@ask-cli/lambda-deployer']?.deployState?.default?.lambda?.arn;
  if (!skillId || !functionArn) {
    throw new DeployStepError('reading .ask/ask-states.json', `no skill ID or Lambda ARN recorded for profile ${target.profile}; did ask deploy finish?`);
  }
  return { skillId, functionArn };
}

/**
 * The skill checks the skill ID of every request (ALEXA_SKILL_ID), but the ID exists only after the first deploy.
 * When ask-resources.json sets the function's environment (userConfig.lambda.environmentVariables, read by ask-cli's
 * lambda-deployer, also per region under regionalOverrides.<region>.lambda), record the ID there;
 * true means it changed and `ask deploy` must run again to apply it. Without environmentVariables the function's
 * environment is managed elsewhere (the Lambda console) and nothing is touched.
 */
export async function recordSkillIdForFunction(target: DeployTarget, skillId: string): Promise<boolean> {
  const file = join(target.cwd, 'ask-resources.json');
  const resources = JSON.parse(await readFile(file, 'utf8')) as {
    profiles: Record<string, { skillInfrastructure?: { userConfig?: LambdaUserConfig } }>;
  };
  const userConfig = resources.profiles[target.profile]?.skillInfrastructure?.userConfig;
  const sets = [userConfig?.lambda?.environmentVariables, ...Object.values(userConfig?.regionalOverrides ?? {}).map((o) => o.lambda?.environmentVariables)];
  const variables = sets.filter((set): set is Record<string, string> => set !== undefined && set.ALEXA_SKILL_ID !== skillId);
  if (variables.length === 0) return false;
  for (const set of variables) set.ALEXA_SKILL_ID = skillId;
  await writeFile(file, `${JSON.stringify(resources, null, 2)}\n`);
  return true;
}

/** Sets events.endpoint.uri to the function's ARN when the manifest subscribes events; says what it did. */
export async function subscribeEventsAtFunction(target: DeployTarget, state: DeployState): Promise<'updated' | 'unchanged' | 'no events'> {
  const step = 'setting events.endpoint.uri';
  const run = askRun(target);
  const body = await askJson<{ manifest?: { events?: { endpoint?: { uri?: string } } } }>(
    step,
    ['smapi', 'get-skill-manifest', '-s', state.skillId, '-g', STAGE, '-p', target.profile],
    run,
  );
  const events = body.manifest?.events;
  if (!events) return 'no events';
  if (events.endpoint?.uri === state.functionArn) return 'unchanged';
  events.endpoint = { uri: state.functionArn };
  await withJsonInput(body, (arg) => ask(step, ['smapi', 'update-skill-manifest', '-s', state.skillId, '-g', STAGE, '--manifest', arg, '-p', target.profile], run));
  await waitForManifest(target, state.skillId, step);
  return 'updated';
}

/** accountLinking.json + the client secret → SMAPI, without the secret ever touching the project. */
/** The `accountLinkingRequest` of an accountLinking.json (the code grant's, or a variant such as the implicit one). */
export async function readAccountLinkingRequest(file: string): Promise<Record<string, unknown> & { type?: unknown }> {
  const step = `reading ${file}`;
  let declared: { accountLinkingRequest?: Record<string, unknown> };
  try {
    declared = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DeployStepError(step, (error as Error).message);
  }
  if (!declared.accountLinkingRequest) throw new DeployStepError(step, 'it has no accountLinkingRequest');
  return declared.accountLinkingRequest;
}

/** Sends the account-linking request, with the client secret added when there is one (never for the implicit grant). */
export async function applyAccountLinking(target: DeployTarget, state: DeployState, request: Record<string, unknown>, clientSecret: string | undefined): Promise<void> {
  const body = { accountLinkingRequest: clientSecret === undefined ? request : { ...request, clientSecret } };
  await withJsonInput(body, (arg) =>
    ask('applying the account linking', ['smapi', 'update-account-linking-info', '-s', state.skillId, '-g', STAGE, '--account-linking-request', arg, '-p', target.profile], askRun(target)),
  );
}

async function waitForManifest(target: DeployTarget, skillId: string, step: string): Promise<void> {
  type Status = { manifest?: { lastUpdateRequest?: { status?: string; errors?: Array<{ message?: string }> } } };
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const status = await askJson<Status>(step, ['smapi', 'get-skill-status', '-s', skillId, '--resource', 'manifest', '-p', target.profile], askRun(target));
    const last = status.manifest?.lastUpdateRequest;
    if (last?.status === 'SUCCEEDED') return;
    if (last?.status === 'FAILED') throw new DeployStepError(step, (last.errors ?? []).map((e) => e.message).join('; ') || 'the manifest update failed');
    await delay(1000);
  }
  throw new DeployStepError(step, 'the manifest update did not finish within 60 s');
}

/**
 * Hands a JSON body to `ask smapi` as `file:<path>` without a file in the project or the secret in the process list:
 * a mode-0600 file in a private (0700) temp folder outside the repository, removed as soon as the command returns.
 * (Not stdin: Node gives a child a socket, not a pipe, and `file:/dev/stdin` cannot open a socket.)
 */
async function withJsonInput<T>(body: unknown, use: (arg: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ride-hailer-deploy-'));
  try {
    const file = join(dir, 'request.json');
    await writeFile(file, JSON.stringify(body), { mode: 0o600 });
    return await use(`file:${file}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function askRun(target: DeployTarget): AskRun {
  return { cwd: target.cwd, env: target.env };
}
