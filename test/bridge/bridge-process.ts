/**
 * A bridge as its own process — `bridge/server.ts`, the self-hosted entry, configured only through its environment —
 * for the tests of several instances sharing one store. Its URL comes from its `bridge.listening` log line; every
 * line it writes is kept for the no-secrets-in-logs check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BridgeServer } from '../../bridge/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BridgeProcess extends BridgeServer {
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  lines: string[];
  /** SIGKILL: no shutdown code runs, as when a host dies. */
  kill(): Promise<void>;
}

export async function startBridgeProcess(env: Record<string, string | undefined>): Promise<BridgeProcess> {
  const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}bridge/server.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', BRIDGE_PORT: '0', LOG_LEVEL: 'info', ...clean },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"bridge.listening"')) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`bridge process exited before listening:\n${lines.join('\n')}`)));
  });
  const signal = (name: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { url, child, lines, close: signal('SIGTERM'), kill: signal('SIGKILL') };
}
