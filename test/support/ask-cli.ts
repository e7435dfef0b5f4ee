/**
 * Runs the real ASK CLI (node_modules/.bin/ask, ask-cli 2.30.7) against a local Alexa cloud, offline:
 *
 *   const { code, stdout, stderr } = await runAsk(['deploy'], { cwd: project.dir, cloudUrl: cloud.url });
 *
 * The environment is built from scratch (nothing inherited but PATH), so a developer's ~/.ask, AWS profile, proxy
 * or real tokens can never leak in: HOME is a fresh temporary directory, the CLI's environment profile
 * (`__ENVIRONMENT_ASK_PROFILE__`, ask-cli docs/concepts/CI-CD.md) is selected by setting the AWS keys, an ASK token
 * and ASK_VENDOR_ID, and SMAPI, LWA and the AWS SDK (AWS_ENDPOINT_URL) all point at `cloudUrl`.
 *
 * `copyProject` makes a throwaway copy of the project that `ask deploy` may rewrite (it edits skill.json and
 * .ask/ask-states.json), with node_modules symlinked.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_CLOUD_CREDENTIALS } from '../../local/alexa-cloud/server.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ASK_BIN = join(PROJECT_ROOT, 'node_modules', '.bin', 'ask');
export const ENVIRONMENT_PROFILE = '__ENVIRONMENT_ASK_PROFILE__';

/** The local cloud's default credentials, as the CLI's environment profile wants them. */
export const DEFAULT_ASK_CREDENTIALS = {
  ASK_ACCESS_TOKEN: LOCAL_CLOUD_CREDENTIALS.accessToken,
  ASK_VENDOR_ID: LOCAL_CLOUD_CREDENTIALS.vendorId,
  AWS_ACCESS_KEY_ID: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey,
  AWS_REGION: LOCAL_CLOUD_CREDENTIALS.awsRegion,
};

export interface AskRun {
  code: number | null;
  /** Set when the CLI was killed for running past the timeout. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface RunAskOptions {
  cwd: string;
  cloudUrl: string;
  /** Added over the defaults; a value of undefined removes a variable (e.g. ASK_ACCESS_TOKEN to use a refresh token). */
  env?: Record<string, string | undefined>;
  /** Default 120 s; `ask deploy` polls SMAPI every 2 s and runs the build hook. */
  timeoutMs?: number;
}

export async function runAsk(args: readonly string[], options: RunAskOptions): Promise<AskRun> {
  const home = await mkdtemp(join(tmpdir(), 'ask-home-'));
  try {
    const env: Record<string, string> = {
      PATH: [join(PROJECT_ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
      HOME: home,
      USERPROFILE: home,
      TMPDIR: tmpdir(),
      ...DEFAULT_ASK_CREDENTIALS,
      ASK_SMAPI_SERVER_BASE_URL: options.cloudUrl,
      ASK_LWA_TOKEN_HOST: options.cloudUrl,
      ASK_LWA_AUTHORIZE_HOST: options.cloudUrl,
      AWS_ENDPOINT_URL: options.cloudUrl,
      ASK_SHARE_USAGE: 'false',
      ASK_SKIP_NEW_VERSION_REMINDER: 'true',
      NO_PROXY: '*',
      // The CLI would otherwise read ~/.aws (HOME is empty anyway) — be explicit.
      AWS_SDK_LOAD_CONFIG: '0',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    // The CLI's `#!/usr/bin/env node` would find Node 20 first on this machine; run it with this process's Node.
    const child = spawn(process.execPath, [ASK_BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolveExit(exitCode));
    });
    clearTimeout(timer);
    return { code, timedOut, stdout, stderr };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

export interface ProjectCopy {
  dir: string;
  readJson(path: string): Promise<any>;
  writeJson(path: string, value: unknown): Promise<void>;
  remove(): Promise<void>;
}

/** What a clone has that `ask deploy` and its build hook use; no dist/: the copy starts as a fresh clone does. */
const PROJECT_FILES = ['skill-package', 'ask-resources.json', 'hooks', 'common', 'lambda', 'scripts', 'package.json', 'tsconfig.json'];

/** A temporary copy of the project for `ask deploy`, as a fresh clone (node_modules symlinked to save the install). */
export async function copyProject(): Promise<ProjectCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'ask-project-'));
  for (const entry of PROJECT_FILES) await cp(join(PROJECT_ROOT, entry), join(dir, entry), { recursive: true });
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const copy: ProjectCopy = {
    dir,
    readJson: async (path) => JSON.parse(await readFile(join(dir, path), 'utf8')),
    writeJson: async (path, value) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), `${JSON.stringify(value, null, 2)}\n`);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  return copy;
}
