/**
 * Runs bench/workers/skill-server.ts in a child process (Node with the tsx loader, not the tsx CLI, so the IPC
 * channel, --expose-gc and --cpu-prof all belong to the skill's own process) and talks to it over IPC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { SkillProcessStats, StatsRequest } from '../workers/skill-server.js';

const root = new URL('../../', import.meta.url).pathname;

export interface SkillProcess {
  url: string;
  /** Memory and cumulative CPU of the skill process; `gc` first runs a full collection so heap figures compare. */
  stats(options?: { gc?: boolean }): Promise<SkillProcessStats>;
  /** How often each event appeared in the skill's log (its stdout), e.g. `alexa_request_refused`. */
  logEvents: Map<string, number>;
  stop(): Promise<void>;
}

export interface SkillProcessOptions {
  /** The skill's configuration, as lambda/config.ts reads it; nothing else is inherited but PATH and HOME. */
  env: Record<string, string>;
  /** Write a V8 CPU profile (.cpuprofile) of the skill process into this folder when it stops. */
  cpuProfileDir?: string | undefined;
}

export async function startSkillProcess(options: SkillProcessOptions): Promise<SkillProcess> {
  const profiling = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', ...profiling, 'bench/workers/skill-server.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const logEvents = countLogEvents(child);
  const exited = once(child, 'exit');
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (message: { type: string; url: string }) => resolve(message.url));
      void exited.then(([code]) => reject(new Error(`skill-server exited with ${code} before listening`)));
    });
    return {
      url,
      logEvents,
      stats: ({ gc = false } = {}) =>
        new Promise((resolve) => {
          child.once('message', resolve);
          child.send({ type: 'stats', gc } satisfies StatsRequest);
        }),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Counts the skill's JSON log lines by event name; the lines themselves are not kept (nor printed). */
function countLogEvents(child: ChildProcess): Map<string, number> {
  const events = new Map<string, number>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let event = 'unparsed_line';
    try {
      event = String((JSON.parse(line) as { event?: unknown }).event ?? event);
    } catch {
      // not one of the logger's JSON lines: counted as unparsed
    }
    events.set(event, (events.get(event) ?? 0) + 1);
  });
  return events;
}
