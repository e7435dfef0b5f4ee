/**
 * The self-hosted skill endpoint in its own process, configured from the environment exactly like
 * `tsx lambda/server.ts`, for the load benchmark. Spawned with an IPC channel (bench/lib/skill-process.ts):
 *
 *   → { type: 'listening', url }                 once the server listens (stdout carries the skill's own log lines)
 *   ← { type: 'stats', gc: boolean }             asks for figures; with gc, after a full collection (needs --expose-gc)
 *   → { type: 'stats', rss, heapUsed, cpuMicros }
 *
 * Figures travel over IPC rather than through a route, so the product's HTTP surface stays as it ships.
 */
import { loadServerConfig } from '../../lambda/config.js';
import { startSkillServer } from '../../lambda/server.js';

export interface StatsRequest {
  type: 'stats';
  gc: boolean;
}

export interface SkillProcessStats {
  type: 'stats';
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory outside the V8 heap: Buffers, ArrayBuffers, native objects. */
  external: number;
  /** User + system CPU of this process since it started. */
  cpuMicros: number;
}

const server = await startSkillServer(loadServerConfig());
process.send!({ type: 'listening', url: server.url });

process.on('message', (message: StatsRequest) => {
  if (message.type !== 'stats') return;
  if (message.gc) globalThis.gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const cpu = process.cpuUsage();
  process.send!({ type: 'stats', rss, heapUsed, heapTotal, external, cpuMicros: cpu.user + cpu.system } satisfies SkillProcessStats);
});

// A clean exit (not a kill) so that --cpu-prof gets to write its profile; bounded in case a client lingers.
const exit = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', exit);
// The parent went away without stopping us: do not outlive it.
process.once('disconnect', exit);
