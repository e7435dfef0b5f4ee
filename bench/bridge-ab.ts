/**
 * `npx tsx bench/bridge-ab.ts <checkout A> <checkout B> [refreshes]` — two versions of the bridge side by side
 * (issue 17 §3): each checkout's bench/workers/bridge-server.ts in its own process (SQLite in memory, oidc profile,
 * LOG_LEVEL=warn), both in front of one local authorization server (bench/workers/bridge-upstream.ts, non-rotating),
 * one connection each, sequential refreshes alternating A, B and the upstream called directly — so load from other
 * work on the machine hits all three alike. Prints, per bridge, its process's CPU per refresh (user + system from
 * /proc, all its threads: Linux only) and its latency added over the direct call at p50/p90/p99.
 *
 * Not a section of `npm run bench`: it compares code, e.g. main against a branch's worktree
 * (`npx tsx bench/bridge-ab.ts /work/main .`). Each checkout needs its node_modules (a symlink will do).
 * BENCH_CPU_PROF=<dir>: each bridge also writes a CPU profile there (bridge-<checkout's name>.cpuprofile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { bridgeSettings, linkDirect, linkThroughBridge, startUpstream, toUpstream, viaBridge } from './lib/bridge-rig.js';
import { stop } from './lib/processes.js';
import { percentile, table } from './lib/stats.js';

const WARM_UP = 300;
/**
 * The bridge worker of one checkout, run by node itself (not through tsx's launcher, which would be a second process
 * whose CPU is not the bridge's). `--import tsx` resolves from the checkout.
 */
async function startCheckoutBridge(checkout: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', resolve(process.env.BENCH_CPU_PROF), '--cpu-prof-name', `bridge-${basename(checkout)}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/workers/bridge-server.ts'], { cwd: checkout, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).once('line', (line) => done(line.trim()));
    child.once('exit', (code) => fail(new Error(`the bridge of ${checkout} exited with ${code}`)));
  });
  return { child, url };
}

/** CPU time of a process so far (user + system, all threads), in clock ticks (10 ms). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function main(): Promise<void> {
  const [a, b, count] = process.argv.slice(2);
  if (a === undefined || b === undefined) {
    console.error('usage: npx tsx bench/bridge-ab.ts <checkout A> <checkout B> [refreshes, default 3000]');
    process.exit(2);
  }
  const refreshes = Number(count ?? 3000);
  const closers: (() => Promise<void>)[] = [];
  try {
    const upstream = await startUpstream();
    closers.push(upstream.stop);
    const { issuer } = upstream;
    const settings = { ...bridgeSettings(issuer), BRIDGE_DATA: ':memory:' };
    const bridges = [];
    for (const [name, checkout] of [['A', resolve(a)], ['B', resolve(b)]] as const) {
      const { child, url } = await startCheckoutBridge(checkout, settings);
      closers.push(() => stop(child));
      bridges.push({ name, checkout, pid: child.pid!, url: `${url}/token`, token: await linkThroughBridge(url), ms: [] as number[], ticks: 0 });
    }
    const directToken = await linkDirect(issuer);

    const refresh = async (url: string, token: string, auth: string) => {
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      return performance.now() - started;
    };
    const direct: number[] = [];
    for (let i = 0; i < WARM_UP + refreshes; i += 1) {
      const measured = i >= WARM_UP;
      for (const bridge of bridges) {
        const before = cpuTicks(bridge.pid);
        const ms = await refresh(bridge.url, bridge.token, viaBridge);
        if (measured) {
          bridge.ticks += cpuTicks(bridge.pid) - before;
          bridge.ms.push(ms);
        }
      }
      const ms = await refresh(`${issuer}/token`, directToken, toUpstream);
      if (measured) direct.push(ms);
    }
    const added = (ms: number[], p: number) => `+${(percentile(ms, p) - percentile(direct, p)).toFixed(2)} ms`;
    console.log(`${refreshes} refreshes each, alternating (direct p50 ${percentile(direct, 50).toFixed(2)} ms)`);
    console.log(
      table(
        bridges.map(({ name, checkout, ms, ticks }) => ({
          bridge: `${name}: ${checkout}`,
          'CPU per refresh': `${((ticks * 10_000) / refreshes).toFixed(0)} µs`,
          'added p50': added(ms, 50),
          'added p90': added(ms, 90),
          'added p99': added(ms, 99),
        })),
      ),
    );
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

await main();
