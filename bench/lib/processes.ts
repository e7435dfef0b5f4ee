import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;
const tsx = `${root}node_modules/.bin/tsx`;

/** Starts a TypeScript worker and resolves with it and the first line it prints (its URL). */
export async function startWorker(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(tsx, [script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, firstLine };
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface InvokeResult {
  /** Parent-side: spawn of a fresh process until its first answer arrived. */
  spawnToAnswerMs: number;
  coldMs: number;
  cpuMicros: number;
  wallMs: number;
  speech: string;
}

/** Runs bench/workers/lambda-invoke.cjs on a bundle in a new process. */
export function invokeBundle(bundle: string, envelopesFile: string, env: Record<string, string>, warmUp = 0, measured = 0): Promise<InvokeResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [`${root}bench/workers/lambda-invoke.cjs`, bundle, envelopesFile, String(warmUp), String(measured)], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ spawnToAnswerMs: performance.now() - started, ...JSON.parse(line) }));
    child.once('exit', (code) => code !== 0 && reject(new Error(`lambda-invoke exited with ${code}`)));
  });
}
