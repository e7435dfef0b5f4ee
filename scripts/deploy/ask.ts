/**
 * Runs the project's own ASK CLI (the pinned devDependency, never a download) on this process's Node, and turns a
 * failed command into a DeployStepError that says which step failed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ASK_CLI = fileURLToPath(new URL('../../node_modules/ask-cli/dist/bin/ask.js', import.meta.url));

/** The profile ask-cli uses in its CI/CD mode (from ASK_/AWS_ variables), and the rehearsal's profile. */
export const ENVIRONMENT_PROFILE = '__ENVIRONMENT_ASK_PROFILE__';

export class DeployStepError extends Error {
  override name = 'DeployStepError';
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step} failed: ${message}`);
  }
}

export interface AskRun {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Show the CLI's output as it goes (ask deploy's progress) instead of collecting it. */
  inherit?: boolean;
}

export async function ask(step: string, args: string[], run: AskRun): Promise<string> {
  const child = spawn(process.execPath, [ASK_CLI, ...args], {
    cwd: run.cwd,
    env: run.env,
    stdio: ['ignore', run.inherit ? 'inherit' : 'pipe', run.inherit ? 'inherit' : 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
    throw new DeployStepError(step, `\`ask ${args[0]}${args[1] && !args[1].startsWith('-') ? ` ${args[1]}` : ''}\` exited with ${code}${detail ? `:\n${detail}` : ''}`);
  }
  return stdout;
}

/** `ask smapi …` answers JSON on stdout. */
export async function askJson<T>(step: string, args: string[], run: AskRun): Promise<T> {
  const stdout = await ask(step, args, run);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new DeployStepError(step, `\`ask ${args.slice(0, 2).join(' ')}\` did not print JSON`);
  }
}
