/**
 * Issue 7 figures: the bridge's token endpoint (refresh_token grants, oidc profile) against the same upstream — the
 * local authorization server, non-rotating — called directly, in the same run. Issue 12 figures: the same bridge on
 * its DynamoDB store (a local dynalite server), one instance and two instances sharing the table, against the
 * SQLite-backed bridge of the same run.
 *
 *   parent: autocannon, the headless logins that create the links
 *   child:  the local authorization server (bench/workers/bridge-upstream.ts)
 *   child:  the bridge in front of it, SQLite in memory   (bench/workers/bridge-server.ts, LOG_LEVEL=warn)
 *   child:  dynalite with the bridge's table              (bench/workers/dynalite.ts)
 *   child:  two bridges on that table, A and B            (bench/workers/bridge-server.ts, BRIDGE_STORE=dynamodb)
 *
 * Issue 16 figures: the rate limits' cost per request — the same refreshes through a bridge with and without its
 * rate limits (BENCH_RATE_LIMITS=off), on SQLite and on DynamoDB. A refresh costs the limits one read of the
 * address's failure counter (SQLite: a SELECT; DynamoDB: a GetItem on the rate limits' table).
 *
 *   child:  the same bridges without rate limits           (SQLite in memory; one on the dynalite table)
 *
 * Each round runs every target once, in an order that rotates between rounds, after a warm-up of each; the medians
 * are reported. Two instances = two autocannon runs at once, half the connections (and links) each. Loopback only,
 * bounded in time.
 */
import { localDynamoDbEnv } from '../local/dynamodb.js';
import { bridgeSettings as settingsFor, linkDirect, linkThroughBridge, startUpstream, toUpstream, viaBridge } from './lib/bridge-rig.js';
import { runLoad, type LoadFigures } from './lib/load-run.js';
import { startWorker, stop } from './lib/processes.js';
import { median, ratio, table } from './lib/stats.js';

const CONNECTIONS = 10;
const WARM_UP_S = 2;
const MEASURED_S = 4;
const ROUNDS = 3;
const ALEXA_TOKEN_LIMIT_MS = 4500;

const form = { 'content-type': 'application/x-www-form-urlencoded' };

export async function benchBridge(): Promise<string> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const upstream = await startUpstream();
    closers.push(upstream.stop);
    const { issuer } = upstream;
    const bridgeSettings = settingsFor(issuer);
    const startBridge = async (store: Record<string, string>, extra: Record<string, string> = {}) => {
      const worker = await startWorker('bench/workers/bridge-server.ts', { ...bridgeSettings, ...store, ...extra });
      closers.push(() => stop(worker.child));
      return worker.firstLine.trim();
    };
    const bridgeUrl = await startBridge({ BRIDGE_DATA: ':memory:' });
    const dynalite = await startWorker('bench/workers/dynalite.ts', {});
    closers.push(() => stop(dynalite.child));
    const [endpoint, tableName] = dynalite.firstLine.trim().split(' ') as [string, string];
    const onTable = localDynamoDbEnv({ endpoint, table: tableName });
    const [dynamoA, dynamoB] = [await startBridge(onTable), await startBridge(onTable)];
    // The same bridges without rate limits. The SQLite one has its own (in-memory) database, so its links are made
    // on it; the DynamoDB one refreshes the links made on A.
    const unlimitedSqlite = await startBridge({ BRIDGE_DATA: ':memory:' }, { BENCH_RATE_LIMITS: 'off' });
    const unlimitedDynamo = await startBridge(onTable, { BENCH_RATE_LIMITS: 'off' });

    // One link per connection on both sides, as many Alexa users refreshing at once: one link for all would let the
    // bridge's single-flight (concurrent refreshes of ONE link share one upstream call) flatter it. The DynamoDB links
    // are made on A; in the table, B refreshes them as well.
    const refreshBody = (refreshToken: string) => new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
    const directBodies: string[] = [];
    const bridgeBodies: string[] = [];
    const dynamoBodies: string[] = [];
    const unlimitedBodies: string[] = [];
    for (let i = 0; i < CONNECTIONS; i += 1) {
      directBodies.push(refreshBody(await linkDirect(issuer)));
      bridgeBodies.push(refreshBody(await linkThroughBridge(bridgeUrl)));
      dynamoBodies.push(refreshBody(await linkThroughBridge(dynamoA)));
      unlimitedBodies.push(refreshBody(await linkThroughBridge(unlimitedSqlite)));
    }
    const isTokenAnswer = (body: string) => body.includes('"access_token"');
    const bridgeAuth = { ...form, authorization: viaBridge };
    const load = (url: string, headers: Record<string, string>, bodies: string[]) => (seconds: number) =>
      runLoad({ url, headers, body: bodies[0]!, bodies, connections: bodies.length, durationSeconds: seconds, expectBody: isTokenAnswer });
    const half = CONNECTIONS / 2;
    const onA = load(`${dynamoA}/token`, bridgeAuth, dynamoBodies.slice(0, half));
    const onB = load(`${dynamoB}/token`, bridgeAuth, dynamoBodies.slice(half));
    const targets = {
      direct: load(`${issuer}/token`, { ...form, authorization: toUpstream }, directBodies),
      sqlite: load(`${bridgeUrl}/token`, bridgeAuth, bridgeBodies),
      dynamo1: load(`${dynamoA}/token`, bridgeAuth, dynamoBodies),
      dynamo2: async (seconds: number) => combine(await Promise.all([onA(seconds), onB(seconds)])),
      sqliteNoLimits: load(`${unlimitedSqlite}/token`, bridgeAuth, unlimitedBodies),
      dynamo1NoLimits: load(`${unlimitedDynamo}/token`, bridgeAuth, dynamoBodies),
    };
    type Target = keyof typeof targets;
    const order = Object.keys(targets) as Target[];

    for (const name of order) await targets[name](WARM_UP_S);
    const runs: Record<Target, LoadFigures[]> = { direct: [], sqlite: [], dynamo1: [], dynamo2: [], sqliteNoLimits: [], dynamo1NoLimits: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      // Rotate the order so no target always runs on a warmer (or hotter) machine.
      for (let i = 0; i < order.length; i += 1) {
        const name = order[(i + round) % order.length]!;
        runs[name].push(await targets[name](MEASURED_S));
      }
    }
    const med = (target: Target, key: keyof LoadFigures) => median(runs[target].map((r) => r[key]));
    const failures = (target: Target) => String(runs[target].reduce((sum, r) => sum + r.errors + r.non2xx + r.mismatches, 0));
    const ms = (n: number) => (n < 1 ? '< 1 ms' : `${n.toFixed(0)} ms`);
    const rps = (target: Target) => med(target, 'requestsPerSecond');
    return [
      `Bridge (issue 7): POST /token refresh_token grants (HTTP Basic), ${CONNECTIONS} connections with a link each, ${ROUNDS} × ${MEASURED_S} s each, medians; baseline = the same upstream (local authorization server, non-rotating) called directly`,
      table([
        { figure: 'requests/s', baseline: rps('direct').toFixed(0), bridge: rps('sqlite').toFixed(0), ratio: ratio(rps('sqlite'), rps('direct')), target: '≥ 0.75×' },
        { figure: 'p50', baseline: ms(med('direct', 'p50Ms')), bridge: ms(med('sqlite', 'p50Ms')), ratio: '—', target: '—' },
        { figure: 'p99', baseline: ms(med('direct', 'p99Ms')), bridge: ms(med('sqlite', 'p99Ms')), ratio: '—', target: `≪ ${ALEXA_TOKEN_LIMIT_MS} ms (Alexa)` },
        { figure: 'failed answers (all rounds)', baseline: failures('direct'), bridge: failures('sqlite'), ratio: '—', target: '0' },
      ]),
      '',
      `Bridge store (issue 12): the same refreshes through the bridge on DynamoDB (local dynalite server, per refresh one strongly consistent GetItem and two conditional PutItems, the lease and its lifting), one instance (${CONNECTIONS} connections) and two instances on one table (${half} connections each; p50/p99 = the worse instance); baseline = the SQLite-backed bridge above (in memory: a private store, no lease)`,
      table([
        { figure: 'requests/s', 'SQLite bridge': rps('sqlite').toFixed(0), 'DynamoDB ×1': rps('dynamo1').toFixed(0), 'ratio ×1': ratio(rps('dynamo1'), rps('sqlite')), 'DynamoDB ×2': rps('dynamo2').toFixed(0), 'ratio ×2': ratio(rps('dynamo2'), rps('sqlite')) },
        { figure: 'p50', 'SQLite bridge': ms(med('sqlite', 'p50Ms')), 'DynamoDB ×1': ms(med('dynamo1', 'p50Ms')), 'ratio ×1': '—', 'DynamoDB ×2': ms(med('dynamo2', 'p50Ms')), 'ratio ×2': '—' },
        { figure: 'p99', 'SQLite bridge': ms(med('sqlite', 'p99Ms')), 'DynamoDB ×1': ms(med('dynamo1', 'p99Ms')), 'ratio ×1': '—', 'DynamoDB ×2': ms(med('dynamo2', 'p99Ms')), 'ratio ×2': '—' },
        { figure: 'failed answers (all rounds)', 'SQLite bridge': failures('sqlite'), 'DynamoDB ×1': failures('dynamo1'), 'ratio ×1': '—', 'DynamoDB ×2': failures('dynamo2'), 'ratio ×2': '—' },
      ]),
      '',
      `Bridge rate limits (issue 16): the same refreshes (${CONNECTIONS} connections, one address) through the bridge with its rate limits against the same bridge without them, same run; the limits read an address's counter at most once a second per instance`,
      table([
        { figure: 'requests/s', 'SQLite, no limits': rps('sqliteNoLimits').toFixed(0), 'SQLite, limits': rps('sqlite').toFixed(0), 'ratio SQLite': ratio(rps('sqlite'), rps('sqliteNoLimits')), 'DynamoDB, no limits': rps('dynamo1NoLimits').toFixed(0), 'DynamoDB, limits': rps('dynamo1').toFixed(0), 'ratio DynamoDB': ratio(rps('dynamo1'), rps('dynamo1NoLimits')) },
        { figure: 'p50', 'SQLite, no limits': ms(med('sqliteNoLimits', 'p50Ms')), 'SQLite, limits': ms(med('sqlite', 'p50Ms')), 'ratio SQLite': '—', 'DynamoDB, no limits': ms(med('dynamo1NoLimits', 'p50Ms')), 'DynamoDB, limits': ms(med('dynamo1', 'p50Ms')), 'ratio DynamoDB': '—' },
        { figure: 'p99', 'SQLite, no limits': ms(med('sqliteNoLimits', 'p99Ms')), 'SQLite, limits': ms(med('sqlite', 'p99Ms')), 'ratio SQLite': '—', 'DynamoDB, no limits': ms(med('dynamo1NoLimits', 'p99Ms')), 'DynamoDB, limits': ms(med('dynamo1', 'p99Ms')), 'ratio DynamoDB': '—' },
        { figure: 'failed answers (all rounds)', 'SQLite, no limits': failures('sqliteNoLimits'), 'SQLite, limits': failures('sqlite'), 'ratio SQLite': '—', 'DynamoDB, no limits': failures('dynamo1NoLimits'), 'DynamoDB, limits': failures('dynamo1'), 'ratio DynamoDB': '—' },
      ]),
    ].join('\n');
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

/** Two runs side by side as one: throughput and counts add up, latencies are the worse of the two. */
function combine(parts: LoadFigures[]): LoadFigures {
  const sum = (key: keyof LoadFigures) => parts.reduce((total, p) => total + p[key], 0);
  const worst = (key: keyof LoadFigures) => Math.max(...parts.map((p) => p[key]));
  return { requestsPerSecond: sum('requestsPerSecond'), total: sum('total'), p50Ms: worst('p50Ms'), p99Ms: worst('p99Ms'), errors: sum('errors'), non2xx: sum('non2xx'), mismatches: sum('mismatches') };
}
