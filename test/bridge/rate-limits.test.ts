/**
 * Issue 16 item 5: rate limits on /authorize, /callback and /token (bridge/rate-limits.ts), per client address and
 * per client ID, counted where the store is.
 *
 * - 2,000 wrong-secret /token requests from one address meet 429 (Retry-After, RFC 6749 JSON, no-store) after the
 *   address's budget of failures, while a correct request from another address (127.0.0.2) still gets its tokens;
 * - Alexa's normal traffic — many successful refreshes from one address — is never limited;
 * - X-Forwarded-For counts only with BRIDGE_TRUST_PROXY, and then only the entry the trusted proxies wrote;
 * - /authorize and /callback are limited per address;
 * - two instances on one SQLite file, and two on one DynamoDB table (dynalite), share the counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fromLambdaEvent } from '../../bridge/adapters/lambda.js';
import { addressKey, clientAddress } from '../../bridge/client-address.js';
import { RATE_LIMITS } from '../../bridge/rate-limit-policy.js';
import type { BridgeServer } from '../../bridge/server.js';
import { localDynamoDbEnv, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { BRIDGE_CLIENT, authorizeUrl, callbackUrl, exchangeCode, get, startAuthorization, startTestBridge, type TestBridge } from './helpers.js';

const FAILURES = RATE_LIMITS.tokenAuthFailuresPerAddress.points;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${new URLSearchParams({ v: secret }).toString().slice(2)}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** POST /token from a chosen local address (127.0.0.x: every one is loopback on Linux), optionally with headers. */
function postToken(bridge: BridgeServer, form: Record<string, string>, options: { from?: string; secret?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(`${bridge.url}/token`);
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: options.from ?? '127.0.0.1',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(BRIDGE_CLIENT.clientId, options.secret ?? BRIDGE_CLIENT.clientSecret),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const wrongSecret = (bridge: BridgeServer, options: { from?: string; headers?: Record<string, string> } = {}) =>
  postToken(bridge, { grant_type: 'refresh_token', refresh_token: 'brt_guess' }, { ...options, secret: 'wrong-secret-wrong-secret-wrong-secret' });

/** `count` requests, `parallel` at a time; the statuses in order. */
async function many(count: number, parallel: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i += parallel) answers.push(...(await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, send))));
  return answers;
}

function expectTooMany(answer: Answer): void {
  expect(answer.status).to.equal(429);
  expect(answer.body).to.deep.equal({ error: 'temporarily_unavailable' });
  expect(Number(answer.headers['retry-after'])).to.be.within(1, RATE_LIMITS.tokenAuthFailuresPerAddress.windowSeconds);
  expect(answer.headers['cache-control']).to.equal('no-store');
}

describe('bridge: rate limits (issue 16, item 5)', function () {
  this.timeout(60_000);
  let upstream: FakeTokenEndpoint;
  const upstreamEnv = () => ({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl });

  before(async () => {
    upstream = await startFakeTokenEndpoint({ rotate: false });
  });
  after(() => upstream?.close());

  /** A link through `bridge` (the fake upstream accepts any fake-code): its bridge refresh token. */
  async function link(bridge: BridgeServer): Promise<string> {
    const up = await startAuthorization(bridge);
    const back = await get(callbackUrl(bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-rl&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
    const exchanged = await exchangeCode(bridge, new URL(back.location!).searchParams.get('code')!);
    expect(exchanged.status, exchanged.text).to.equal(200);
    return exchanged.body.refresh_token as string;
  }

  describe('at /token, on the SQLite store', () => {
    let t: TestBridge;
    let bridgeToken: string;
    before(async () => {
      t = await startTestBridge(upstreamEnv());
      bridgeToken = await link(t.bridge); // from 127.0.0.1, before any failure
    });
    after(() => t?.close());

    it('never limits Alexa: 300 successful refreshes from one address (more than any budget) all get tokens', async () => {
      const answers = await many(300, 20, () => postToken(t.bridge, { grant_type: 'refresh_token', refresh_token: bridgeToken }, { from: '127.0.0.3' }));
      expect(answers.map((a) => a.status).filter((status) => status !== 200)).to.deep.equal([]);
    });

    it('2,000 wrong secrets from one address: the first 20 are 401, the rest 429; a correct request from another address gets its tokens', async () => {
      const answers = await many(2000, 50, () => wrongSecret(t.bridge));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).to.have.length(FAILURES);
      expect(statuses.filter((s) => s === 429)).to.have.length(2000 - FAILURES);
      expectTooMany(answers.at(-1)!);

      const other = await postToken(t.bridge, { grant_type: 'refresh_token', refresh_token: bridgeToken }, { from: '127.0.0.2' });
      expect(other.status, JSON.stringify(other.body)).to.equal(200);
      expect(other.body.access_token).to.be.a('string');
      // The shut address is refused before its credentials are looked at: even the right secret.
      expectTooMany(await postToken(t.bridge, { grant_type: 'refresh_token', refresh_token: bridgeToken }, { from: '127.0.0.1' }));
      expect(t.logger.lines.filter((line) => line.includes('bridge.rate_limited')).length).to.be.greaterThan(0);
    });

    it('ignores X-Forwarded-For by default: a new value per request does not buy a new budget', async () => {
      const answers = await many(FAILURES + 5, 5, () => wrongSecret(t.bridge, { from: '127.0.0.4', headers: { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` } }));
      expect(answers.filter((a) => a.status === 401)).to.have.length(FAILURES);
      expect(answers.filter((a) => a.status === 429)).to.have.length(5);
    });
  });

  it('per client ID: failures over many addresses are answered 429 past the budget, but the right secret is still served', async () => {
    const t = await startTestBridge({ ...upstreamEnv(), BRIDGE_TRUST_PROXY: '1' });
    try {
      const bridgeToken = await link(t.bridge);
      const perClient = RATE_LIMITS.tokenAuthFailuresPerClient.points;
      // Spread over addresses (a trusted proxy reports each), so that no address reaches its own budget.
      let n = 0;
      const answers = await many(perClient + 10, 20, () => {
        n += 1;
        return wrongSecret(t.bridge, { headers: { 'x-forwarded-for': `198.51.100.${n % 200}, 192.0.2.${Math.floor(n / 20)}` } });
      });
      expect(answers.filter((a) => a.status === 401)).to.have.length(perClient);
      expect(answers.filter((a) => a.status === 429)).to.have.length(10);
      const right = await postToken(t.bridge, { grant_type: 'refresh_token', refresh_token: bridgeToken }, { headers: { 'x-forwarded-for': '192.0.2.250' } });
      expect(right.status, JSON.stringify(right.body)).to.equal(200);
    } finally {
      await t.close();
    }
  });

  it('with BRIDGE_TRUST_PROXY=1, counts the address the proxy wrote (the last entry), never what the client wrote before it', async () => {
    const t = await startTestBridge({ ...upstreamEnv(), BRIDGE_TRUST_PROXY: '1' });
    try {
      const spoofed = await many(FAILURES + 1, 5, () => wrongSecret(t.bridge, { headers: { 'x-forwarded-for': `10.9.8.${Math.floor(Math.random() * 250)}, 203.0.113.7` } }));
      expect(spoofed.filter((a) => a.status === 401)).to.have.length(FAILURES);
      expectTooMany(spoofed.at(-1)!);
      // Another client behind the same proxy (same socket address) is not affected.
      expect((await wrongSecret(t.bridge, { headers: { 'x-forwarded-for': '203.0.113.8' } })).status).to.equal(401);
    } finally {
      await t.close();
    }
  });

  it('limits /authorize and /callback per address: a 429 page with Retry-After past the budget', async () => {
    const t = await startTestBridge(upstreamEnv());
    try {
      const url = authorizeUrl(t.bridge);
      const statuses: number[] = [];
      for (let i = 0; i < RATE_LIMITS.pagesPerAddress.points; i += 1) statuses.push((await get(url)).status);
      expect(statuses.filter((s) => s !== 302)).to.deep.equal([]);
      const refused = await get(url);
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, RATE_LIMITS.pagesPerAddress.windowSeconds);
      expect(refused.headers.get('cache-control')).to.equal('no-store');
      expect(refused.headers.get('content-type')).to.contain('text/html');
      expect((await get(`${t.bridge.url}/callback?state=x&code=y`)).status).to.equal(429);
    } finally {
      await t.close();
    }
  });

  describe('shared by instances where the store is', () => {
    async function expectShared(envA: Record<string, string | undefined>, envB: Record<string, string | undefined>): Promise<void> {
      const a = await startTestBridge({ ...upstreamEnv(), ...envA });
      const b = await startTestBridge({ ...upstreamEnv(), ...envB });
      try {
        const onA = await many(FAILURES, 5, () => wrongSecret(a.bridge, { from: '127.0.0.5' }));
        expect(onA.filter((x) => x.status === 401)).to.have.length(FAILURES);
        expectTooMany(await wrongSecret(b.bridge, { from: '127.0.0.5' }));
        expect((await wrongSecret(b.bridge, { from: '127.0.0.6' })).status).to.equal(401);
        expect([...a.logger.lines, ...b.logger.lines].filter((line) => line.includes('rate_limit_store_failed'))).to.deep.equal([]);
      } finally {
        await a.close();
        await b.close();
      }
    }

    it('two bridges on one SQLite file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bridge-rl-'));
      try {
        const file = join(dir, 'bridge.sqlite');
        await expectShared({ BRIDGE_DATA: file }, { BRIDGE_DATA: file });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('two bridges on one DynamoDB table (dynalite), counting in <table>-rate-limits', async () => {
      let db: LocalDynamoDb | undefined;
      // The SDK reads its (DEMO-ONLY, local) credentials from process.env, as on Lambda; put them back after.
      const saved = { ...process.env };
      try {
        db = await startLocalDynamoDb();
        const env = { ...localDynamoDbEnv(db), BRIDGE_DATA: undefined };
        for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED'] as const) process.env[name] = env[name];
        await expectShared(env, env);
      } finally {
        for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED']) {
          if (saved[name] === undefined) delete process.env[name];
          else process.env[name] = saved[name];
        }
        await db?.close();
      }
    });
  });

  describe('the client address', () => {
    it('is the peer unless proxies are trusted; then the entry the trusted proxies wrote', () => {
      expect(clientAddress('10.0.0.1', '1.2.3.4', 0)).to.equal('10.0.0.1');
      expect(clientAddress('10.0.0.1', '6.6.6.6, 1.2.3.4', 1)).to.equal('1.2.3.4');
      expect(clientAddress('10.0.0.1', '6.6.6.6, 1.2.3.4, 10.0.0.9', 2)).to.equal('1.2.3.4');
      expect(clientAddress('10.0.0.1', '1.2.3.4', 3)).to.equal('1.2.3.4'); // fewer entries than hops: the leftmost
      expect(clientAddress('10.0.0.1', 'not-an-address', 1)).to.equal('10.0.0.1');
      expect(clientAddress(undefined, undefined, 0)).to.equal('unknown');
    });

    it('counts IPv6 per /64 and IPv4-mapped IPv6 as IPv4', () => {
      expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).to.equal('2001:db8:1:2::/64');
      expect(addressKey('2001:db8:1:2::1')).to.equal(addressKey('2001:db8:1:2:ffff::9'));
      expect(addressKey('2001:db8::1')).to.equal('2001:db8:0:0::/64');
      expect(addressKey('::1')).to.equal('0:0:0:0::/64');
      expect(addressKey('::ffff:192.0.2.1')).to.equal('192.0.2.1');
      expect(addressKey('192.0.2.1')).to.equal('192.0.2.1');
    });

    it("is the Function URL event's sourceIp on Lambda", () => {
      const request = fromLambdaEvent({ rawPath: '/token', requestContext: { http: { method: 'POST', sourceIp: '198.51.100.7' } } }, 1024);
      expect(request.peerAddress).to.equal('198.51.100.7');
    });
  });
});
