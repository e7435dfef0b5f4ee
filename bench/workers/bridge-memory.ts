// The bridge in this process, against the upstream at BENCH_UPSTREAM: one code exchange answered normally (warm-up,
// then the baseline), one answered with BENCH_HUGE_BYTES; prints the process's memory before and at its peak during
// the second, as JSON. Sampled every millisecond from a timer, so the peak is a lower bound (a fast spike between two
// samples could be missed — the heap and RSS it leaves behind are not).
import { loadBridgeConfig, startBridgeServer } from '../../bridge/server.js';

const upstream = process.env.BENCH_UPSTREAM!;
const config = await loadBridgeConfig({ ...process.env, BRIDGE_UPSTREAM_AUTHORIZATION_URL: `${upstream}/auth`, BRIDGE_UPSTREAM_TOKEN_URL: `${upstream}/token` });
const bridge = await startBridgeServer(config, { port: 0, rateLimits: 'off' });

async function exchange(upstreamCode: string): Promise<number> {
  const authorize = new URL(`${bridge.url}/authorize`);
  authorize.search = new URLSearchParams({ client_id: config.alexa.clientId, response_type: 'code', redirect_uri: config.alexa.redirectUris[0]!, state: 'mem', scope: 's' }).toString();
  const up = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
  const back = await fetch(`${bridge.url}/callback?code=${upstreamCode}&state=${encodeURIComponent(up.searchParams.get('state')!)}`, { redirect: 'manual' });
  const code = new URL(back.headers.get('location')!).searchParams.get('code')!;
  const basic = `Basic ${Buffer.from(`${encodeURIComponent(config.alexa.clientId)}:${encodeURIComponent(config.alexa.clientSecret)}`).toString('base64')}`;
  const answer = await fetch(`${bridge.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: config.alexa.redirectUris[0]! }),
  });
  await answer.text();
  return answer.status;
}

await exchange('small');
await exchange('small');
const before = process.memoryUsage();
const peak = { rss: before.rss, heapUsed: before.heapUsed, arrayBuffers: before.arrayBuffers };
const sampler = setInterval(() => {
  const now = process.memoryUsage();
  peak.rss = Math.max(peak.rss, now.rss);
  peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
}, 1);
const status = await exchange('huge');
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ status, before: { rss: before.rss, heapUsed: before.heapUsed, arrayBuffers: before.arrayBuffers }, peak })}\n`);
await bridge.close();
process.exit(0);
