/**
 * `npm run deploy -- --local`: the same real `ask deploy` against the local Alexa cloud, run in a staging copy of the
 * deployable parts under `.local/ask-rehearsal/` (git-ignored). The CLI rewrites skill-package/skill.json and
 * .ask/ask-states.json as it deploys; in the copy, a rehearsal never touches the project's own deploy state, and the
 * function's environment can point at the local stack (npm start) without editing ask-resources.json.
 *
 * Every ASK_/AWS_ credential below is a DEMO-ONLY value the local cloud accepts; none is valid anywhere else.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// Leaf modules of local/ only (constants, no server): scripts/deploy.ts loads this file for --local alone.
import { LOCAL_CLOUD_CREDENTIALS, DEFAULT_ALEXA_CLOUD_PORT } from '../../local/cloud-credentials.js';
import { DEFAULT_PORTS, DEMO } from '../../local/demo.js';
import { localDataDir } from '../../local/paths.js';
import { DeployStepError, ENVIRONMENT_PROFILE } from './ask.js';
import type { DeployTarget } from './steps.js';

export { ENVIRONMENT_PROFILE } from './ask.js';

/** DEMO-ONLY: the client secret of the local authorization server, which a rehearsal applies to the skill. */
export const REHEARSAL_LINKING_CLIENT_SECRET = DEMO.clientSecret;

/** What the build hook needs beside skill-package/ (copied afresh each run; the hook rebuilds from lambda/ and the common/ it imports). */
const BUILD_INPUTS = ['common', 'lambda', 'scripts', 'hooks', 'package.json', 'tsconfig.json'];

type Env = Record<string, string | undefined>;

export function cloudUrl(env: Env): string {
  const port = env.ALEXA_CLOUD_PORT?.trim() || String(DEFAULT_ALEXA_CLOUD_PORT);
  if (!/^\d{1,5}$/u.test(port)) throw new DeployStepError('reading ALEXA_CLOUD_PORT', `"${port}" is not a port number`);
  return `http://127.0.0.1:${port}`;
}

/** Any HTTP answer means the cloud is up; a refused connection gets a message that says what to start. */
export async function checkCloudRunning(url: string): Promise<void> {
  try {
    const response = await fetch(`${url}/v1/skills`, { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
  } catch {
    throw new DeployStepError('reaching the local Alexa cloud', `nothing answers at ${url}. Start the local stack with \`npm start\` in another terminal (it runs the local Alexa cloud), or set ALEXA_CLOUD_PORT to where it runs.`);
  }
}

/** The ASK CLI's environment for the local cloud: DEMO-ONLY credentials, and nothing that reaches Amazon or AWS. */
export function rehearsalCliEnvironment(env: Env, url: string): Env {
  const clean = Object.fromEntries(Object.entries(env).filter(([name]) => !/^(ASK_|AWS_)/u.test(name) && name !== 'ALEXA_LINKING_CLIENT_SECRET'));
  return {
    ...clean,
    ASK_SMAPI_SERVER_BASE_URL: url,
    ASK_LWA_TOKEN_HOST: url,
    ASK_LWA_AUTHORIZE_HOST: url,
    ASK_REFRESH_TOKEN: LOCAL_CLOUD_CREDENTIALS.refreshToken, // DEMO-ONLY
    ASK_VENDOR_ID: LOCAL_CLOUD_CREDENTIALS.vendorId, // DEMO-ONLY
    AWS_ACCESS_KEY_ID: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, // DEMO-ONLY
    AWS_SECRET_ACCESS_KEY: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey, // DEMO-ONLY
    AWS_REGION: LOCAL_CLOUD_CREDENTIALS.awsRegion,
    AWS_ENDPOINT_URL: url,
    ASK_SHARE_USAGE: 'false',
    ASK_SKIP_NEW_VERSION_REMINDER: 'true',
  };
}

/**
 * The deployed function's environment for the local stack (npm start's ports, or AUTH_PORT / API_PORT): the same
 * settings a Lambda deployment gets, with the stack's issuer, JWKS and API.
 */
export function localFunctionEnvironment(env: Env): Record<string, string> {
  const authPort = env.AUTH_PORT?.trim() || String(DEFAULT_PORTS.auth);
  const apiPort = env.API_PORT?.trim() || String(DEFAULT_PORTS.api);
  const issuer = `http://127.0.0.1:${authPort}`;
  return {
    RIDE_API_URL: `http://127.0.0.1:${apiPort}`,
    OAUTH_ISSUER: issuer,
    OAUTH_JWKS_URL: `${issuer}/jwks`,
    OAUTH_AUDIENCE: DEMO.apiAudience,
    OAUTH_TOKEN_TYPE: 'at+jwt',
    OAUTH_ALGORITHMS: 'ES256',
    LOG_LEVEL: env.LOG_LEVEL?.trim() || 'info',
  };
}

/**
 * After a rehearsal: the checked-in replay file with the new skill ID, beside the staging copy, and the command that
 * replays it with the real `ask dialog` (its DEMO-ONLY environment spelled out, so it can be pasted).
 */
export async function writeDialogReplay(projectRoot: string, stagingDir: string, skillId: string, url: string): Promise<{ file: string; command: string }> {
  const template = JSON.parse(await readFile(join(projectRoot, 'test', 'deploy', 'dialog.replay.json'), 'utf8')) as Record<string, unknown>;
  const file = join(stagingDir, 'dialog.replay.json');
  await writeFile(file, `${JSON.stringify({ ...template, skillId }, null, 2)}\n`);
  const cli = rehearsalCliEnvironment({}, url);
  const variables = Object.entries(cli).map(([name, value]) => `${name}='${value}'`).join(' ');
  return { file, command: `${variables} npx ask dialog --replay ${file}` };
}

/** Brings the staging copy up to date and returns where and how to run the CLI there. */
export async function prepareRehearsal(projectRoot: string, env: Env): Promise<DeployTarget & { stagingDir: string; url: string }> {
  const url = cloudUrl(env);
  const stagingDir = join(localDataDir(env, projectRoot), 'ask-rehearsal');
  await mkdir(stagingDir, { recursive: true });
  for (const input of BUILD_INPUTS) {
    await rm(join(stagingDir, input), { recursive: true, force: true });
    await cp(join(projectRoot, input), join(stagingDir, input), { recursive: true });
  }
  if (!existsSync(join(stagingDir, 'node_modules'))) await symlink(join(projectRoot, 'node_modules'), join(stagingDir, 'node_modules'), 'dir');
  await syncSkillPackage(projectRoot, stagingDir);
  await writeResources(projectRoot, stagingDir, env);
  return { cwd: stagingDir, env: rehearsalCliEnvironment(env, url), profile: ENVIRONMENT_PROFILE, stagingDir, url };
}

/**
 * skill-package/ is copied only when the project's changed: the CLI rewrites the copy's skill.json (endpoint) and
 * remembers its hash, so re-copying an unchanged package would make every rehearsal re-import the skill.
 */
async function syncSkillPackage(projectRoot: string, stagingDir: string): Promise<void> {
  const marker = join(stagingDir, '.skill-package.sha256');
  const hash = await folderHash(join(projectRoot, 'skill-package'));
  const previous = existsSync(marker) ? (await readFile(marker, 'utf8')).trim() : undefined;
  if (previous === hash && existsSync(join(stagingDir, 'skill-package'))) return;
  await rm(join(stagingDir, 'skill-package'), { recursive: true, force: true });
  await cp(join(projectRoot, 'skill-package'), join(stagingDir, 'skill-package'), { recursive: true });
  await writeFile(marker, `${hash}\n`);
}

/** The project's CI/CD profile, with the local stack's function environment (and the skill ID once known). */
async function writeResources(projectRoot: string, stagingDir: string, env: Env): Promise<void> {
  const resources = JSON.parse(await readFile(join(projectRoot, 'ask-resources.json'), 'utf8')) as {
    profiles: Record<string, { skillInfrastructure?: { userConfig?: { lambda?: Record<string, unknown> } } }>;
  };
  const profile = structuredClone(resources.profiles[ENVIRONMENT_PROFILE] ?? resources.profiles.default);
  if (!profile?.skillInfrastructure?.userConfig) throw new DeployStepError('preparing the rehearsal', 'ask-resources.json has no skillInfrastructure.userConfig');
  const skillId = await stagedSkillId(stagingDir);
  // ask-cli's lambda-deployer reads userConfig.lambda.{environmentVariables, timeout, memorySize}.
  const lambda = (profile.skillInfrastructure.userConfig.lambda ??= {});
  lambda.environmentVariables = { ...localFunctionEnvironment(env), ...(skillId ? { ALEXA_SKILL_ID: skillId } : {}) };
  const staged = { ...resources, profiles: { [ENVIRONMENT_PROFILE]: profile } };
  await writeFile(join(stagingDir, 'ask-resources.json'), `${JSON.stringify(staged, null, 2)}\n`);
}

async function stagedSkillId(stagingDir: string): Promise<string | undefined> {
  try {
    const states = JSON.parse(await readFile(join(stagingDir, '.ask', 'ask-states.json'), 'utf8'));
    return states.profiles?.[ENVIRONMENT_PROFILE]?.skillId;
  } catch {
    return undefined;
  }
}

async function folderHash(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  for (const file of entries.map((entry) => join(entry.parentPath, entry.name)).sort()) {
    hash.update(file.slice(dir.length)).update('\0').update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}
