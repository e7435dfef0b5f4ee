/**
 * The bridge safe by default (issue 16, items 1, 2, 4 and two mutations of item 12): each response_type only with a
 * redirect URI of its own form, a stolen provider code refused under a state the attacker minted, PKCE downgrade
 * refused, states re-checked against the configuration of now, HEAD never running a flow, a replayed code revoking
 * the link it issued, repeated /token parameters refused, an upstream invalid_scope passed on as 400.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadBridgeConfig } from '../../bridge/config.js';
import { startBridgeServer } from '../../bridge/server.js';
import { DynamoDbBridgeStore } from '../../bridge/store/dynamodb.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import type { BridgeStore } from '../../bridge/store/store.js';
import { createMemoryLogger } from '../../common/logging.js';
import { LOCAL_DYNAMODB_CREDENTIALS, LOCAL_DYNAMODB_REGION, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { startFakeUpstream, type FakeUpstream } from './fakes/upstream.js';
import {
  authorizeUrl,
  bridgeEnv,
  BRIDGE_CLIENT,
  callbackUrl,
  CODE_REDIRECT,
  exchangeCode,
  get,
  IMPLICIT_REDIRECT,
  pkcePair,
  PUBLIC_URL,
  refresh,
  startAuthorization,
  startTestBridge,
  tokenRequest,
  type AuthorizeParams,
  type TestBridge,
} from './helpers.js';

type Page = Awaited<ReturnType<typeof get>>;

function expectPage(answer: Page, status = 400): void {
  expect(answer.status, answer.text).to.equal(status);
  expect(answer.location).to.equal(null);
  expect(answer.headers.get('content-type')).to.match(/^text\/html/);
}

/** /authorize → the upstream's redirect back with `upstreamCode` → /callback; returns the callback's answer. */
async function callbackWith(t: TestBridge, upstreamCode: string, params: AuthorizeParams = {}): Promise<Page> {
  const up = await startAuthorization(t.bridge, params);
  return get(callbackUrl(t.bridge, new URL(`${PUBLIC_URL}/callback?code=${encodeURIComponent(upstreamCode)}&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
}

async function bridgeCode(t: TestBridge, params: AuthorizeParams = {}): Promise<string> {
  const answer = await callbackWith(t, 'fake-code-1', params);
  expect(answer.status, answer.text).to.equal(302);
  return new URL(answer.location!).searchParams.get('code')!;
}

/** An upstream token endpoint answering as `answer` says; `answer` may wait (a gate the test opens). */
async function startScriptedUpstream(answer: (form: URLSearchParams) => Promise<{ status: number; body: unknown }>): Promise<{ tokenUrl: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const reply = await answer(new URLSearchParams(body));
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    tokenUrl: `${url}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('bridge: safe by default', () => {
  let upstream: FakeTokenEndpoint;
  let t: TestBridge;
  const clock = { now: Date.now() };

  before(async () => {
    upstream = await startFakeTokenEndpoint({ rotate: false });
    t = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl }, { now: () => clock.now });
  });
  beforeEach(() => {
    clock.now = Date.now();
  });
  after(async () => {
    await t?.close();
    await upstream?.close();
  });

  describe('each response_type only with a redirect URI of its own form', () => {
    it('refuses response_type=token with the code-grant URI: unsupported_response_type in that URI’s query', async () => {
      const answer = await get(authorizeUrl(t.bridge, { responseType: 'token', redirectUri: CODE_REDIRECT, state: 'attacker' }));
      expect(answer.status).to.equal(302);
      const back = new URL(answer.location!);
      expect(back.origin + back.pathname).to.equal(CODE_REDIRECT);
      expect(back.searchParams.get('error')).to.equal('unsupported_response_type');
      expect(back.searchParams.get('state')).to.equal('attacker');
      expect(back.hash).to.equal('');
    });

    it('refuses response_type=code with the implicit URI: unsupported_response_type in that URI’s fragment', async () => {
      const answer = await get(authorizeUrl(t.bridge, { responseType: 'code', redirectUri: IMPLICIT_REDIRECT, state: 's' }));
      expect(answer.status).to.equal(302);
      expect(answer.location!.startsWith(`${IMPLICIT_REDIRECT}#`)).to.equal(true);
      const fragment = new URLSearchParams(new URL(answer.location!).hash.slice(1));
      expect(fragment.get('error')).to.equal('unsupported_response_type');
    });

    it('a bridge configured with no implicit URI never runs an implicit exchange', async () => {
      const codeOnly = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, BRIDGE_ALEXA_REDIRECT_URIS: CODE_REDIRECT });
      try {
        const before = upstream.requests.length;
        expectPage(await get(authorizeUrl(codeOnly.bridge, { responseType: 'token', redirectUri: IMPLICIT_REDIRECT })));
        const viaCodeUri = await get(authorizeUrl(codeOnly.bridge, { responseType: 'token', redirectUri: CODE_REDIRECT }));
        expect(new URL(viaCodeUri.location!).searchParams.get('error')).to.equal('unsupported_response_type');
        expect(upstream.requests.length).to.equal(before);
      } finally {
        await codeOnly.close();
      }
    });

    it('refuses at start a redirect URI of neither form, naming BRIDGE_ALEXA_REDIRECT_URIS', async () => {
      for (const uri of ['https://pitangui.amazon.com/somewhere/else', `${CODE_REDIRECT}?x=1`, 'https://pitangui.amazon.com/spa/skill/account-linking-status.html']) {
        const error = await loadBridgeConfig(bridgeEnv({ BRIDGE_ALEXA_REDIRECT_URIS: `${CODE_REDIRECT},${uri}` })).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, uri).to.be.instanceOf(ConfigError);
        expect((error as ConfigError).variable).to.equal('BRIDGE_ALEXA_REDIRECT_URIS');
      }
    });

    it('takes any other loopback URI as a code-grant URI (the offline stack’s simulator), never as an implicit one', async () => {
      const simulator = 'http://127.0.0.1:3003/link/callback';
      const local = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, BRIDGE_ALEXA_REDIRECT_URIS: simulator });
      try {
        expect((await get(authorizeUrl(local.bridge, { redirectUri: simulator }))).location).to.match(new RegExp(`^${upstream.authorizationUrl}`));
        const implicit = await get(authorizeUrl(local.bridge, { redirectUri: simulator, responseType: 'token' }));
        expect(new URL(implicit.location!).searchParams.get('error')).to.equal('unsupported_response_type');
      } finally {
        await local.close();
      }
    });
  });

  describe('a stolen provider code replayed under a state the attacker minted (oidc profile, PKCE upstream)', () => {
    let fake: FakeUpstream;
    let oidc: TestBridge;
    before(async () => {
      fake = await startFakeUpstream({ dialect: 'rfc6749' });
      oidc = await startTestBridge({
        BRIDGE_UPSTREAM_AUTHORIZATION_URL: fake.authorizeUrl,
        BRIDGE_UPSTREAM_TOKEN_URL: fake.tokenUrl,
        BRIDGE_UPSTREAM_CLIENT_ID: fake.clientId,
        BRIDGE_UPSTREAM_CLIENT_SECRET: fake.clientSecret,
      });
    });
    after(async () => {
      await oidc?.close();
      await fake?.close();
    });

    it('never becomes the victim’s token: refused at /authorize (implicit with a code URI), at the upstream (PKCE) otherwise', async () => {
      const victim = await startAuthorization(oidc.bridge, { state: 'victim' });
      const stolen = new URL((await get(victim.href)).location!).searchParams.get('code')!;
      // The audit's attack, word for word: response_type=token with the code-grant URI. No state is minted at all.
      const implicitOnCodeUri = await get(authorizeUrl(oidc.bridge, { responseType: 'token', redirectUri: CODE_REDIRECT, state: 'attacker' }));
      expect(new URL(implicitOnCodeUri.location!).searchParams.get('error')).to.equal('unsupported_response_type');
      // With the implicit URI: the exchange carries the attacker's verifier, the upstream refuses, no token.
      const implicit = await callbackWith(oidc, stolen, { responseType: 'token', redirectUri: IMPLICIT_REDIRECT, state: 'attacker' });
      const fragment = new URLSearchParams(new URL(implicit.location!).hash.slice(1));
      expect(fragment.has('access_token')).to.equal(false);
      expect(fragment.get('error')).to.equal('server_error');
      // Code grant: the bridge code is refused at /token for the same reason.
      const viaCode = await callbackWith(oidc, stolen, { state: 'attacker' });
      const exchanged = await exchangeCode(oidc.bridge, new URL(viaCode.location!).searchParams.get('code')!);
      expect(exchanged.status, exchanged.text).to.equal(400);
      expect(exchanged.body).to.deep.equal({ error: 'invalid_grant' });
      expect(fake.events.filter((e) => e.type === 'issued')).to.deep.equal([]);
      // The victim's own sign-in still completes.
      const own = await get(callbackUrl(oidc.bridge, new URL(`${PUBLIC_URL}/callback?code=${stolen}&state=${encodeURIComponent(victim.searchParams.get('state')!)}`)));
      expect((await exchangeCode(oidc.bridge, new URL(own.location!).searchParams.get('code')!)).status).to.equal(200);
    });
  });

  describe('PKCE downgrade (RFC 9700 §2.1.1)', () => {
    it('refuses a code_verifier for a code issued without code_challenge (invalid_grant), and the code survives', async () => {
      const code = await bridgeCode(t);
      const downgraded = await exchangeCode(t.bridge, code, { code_verifier: pkcePair().verifier });
      expect(downgraded.status).to.equal(400);
      expect(downgraded.body).to.deep.equal({ error: 'invalid_grant' });
      expect((await exchangeCode(t.bridge, code)).status).to.equal(200);
    });
  });

  describe('the callback re-checks the state against the configuration of now', () => {
    async function restarted(env: Record<string, string>): Promise<TestBridge> {
      return startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, ...env });
    }

    it('refuses a state whose redirect URI was removed since: a page, no redirect to it', async () => {
      const up = await startAuthorization(t.bridge); // minted with CODE_REDIRECT allowed
      const after = await restarted({ BRIDGE_ALEXA_REDIRECT_URIS: IMPLICIT_REDIRECT });
      try {
        const answer = await get(`${after.bridge.url}/callback?code=fake-code-1&state=${encodeURIComponent(up.searchParams.get('state')!)}`);
        expectPage(answer);
        expect(answer.text).to.contain('no longer set up');
        expect(answer.text).not.to.contain('pitangui');
      } finally {
        await after.close();
      }
    });

    it('refuses a state minted for a client ID that is no longer configured', async () => {
      const up = await startAuthorization(t.bridge);
      const after = await restarted({ BRIDGE_CLIENT_ID: 'the-new-skill-client' });
      try {
        expectPage(await get(`${after.bridge.url}/callback?code=fake-code-1&state=${encodeURIComponent(up.searchParams.get('state')!)}`));
      } finally {
        await after.close();
      }
    });
  });

  describe('HEAD never runs a flow', () => {
    it('HEAD /callback is 405 with Allow: GET, and the state is still unused after it', async () => {
      const up = await startAuthorization(t.bridge);
      const url = `${t.bridge.url}/callback?code=fake-code-1&state=${encodeURIComponent(up.searchParams.get('state')!)}`;
      const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
      expect(head.status).to.equal(405);
      expect(head.headers.get('allow')).to.equal('GET');
      expect(head.headers.get('location')).to.equal(null);
      expect((await get(url)).status).to.equal(302);
    });

    it('HEAD /authorize and /token are 405 too; HEAD /healthz answers', async () => {
      expect((await fetch(authorizeUrl(t.bridge), { method: 'HEAD', redirect: 'manual' })).status).to.equal(405);
      const token = await fetch(`${t.bridge.url}/token`, { method: 'HEAD' });
      expect(token.status).to.equal(405);
      expect(token.headers.get('allow')).to.equal('POST');
      expect((await fetch(`${t.bridge.url}/healthz`, { method: 'HEAD' })).status).to.equal(200);
    });
  });

  describe('a replayed code revokes the link it issued (RFC 6749 §4.1.2)', () => {
    it('redeem → tokens; redeem again → invalid_grant; the first refresh token is then refused', async () => {
      const code = await bridgeCode(t);
      const first = await exchangeCode(t.bridge, code);
      expect(first.status, first.text).to.equal(200);
      const bridgeRefresh = first.body.refresh_token as string;
      expect((await refresh(t.bridge, bridgeRefresh)).status).to.equal(200);
      const replay = await exchangeCode(t.bridge, code);
      expect(replay.status).to.equal(400);
      expect(replay.body).to.deep.equal({ error: 'invalid_grant' });
      const revoked = await refresh(t.bridge, bridgeRefresh);
      expect(revoked.status).to.equal(400);
      expect(revoked.body).to.deep.equal({ error: 'invalid_grant' });
    });

    it('a replay while the first redemption is still at the upstream: neither gets a link', async () => {
      let arrived!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const gated = await startScriptedUpstream(async () => {
        arrived();
        await gate;
        return { status: 200, body: { access_token: 'gated-at', token_type: 'Bearer', expires_in: 60, refresh_token: 'gated-rt' } };
      });
      const g = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: gated.tokenUrl });
      try {
        const code = await bridgeCode(g);
        const firstPending = exchangeCode(g.bridge, code);
        await arrival;
        const replay = await exchangeCode(g.bridge, code);
        expect(replay.status).to.equal(400);
        release();
        const first = await firstPending;
        expect(first.status, first.text).to.equal(400);
        expect(first.body).to.deep.equal({ error: 'invalid_grant' });
      } finally {
        release();
        await g.close();
        await gated.close();
      }
    });
  });

  describe('a replayed code revokes its link across two instances on one store', () => {
    let dynamo: LocalDynamoDb;
    const dirs: string[] = [];
    before(async () => {
      dynamo = await startLocalDynamoDb();
    });
    after(async () => {
      await dynamo?.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    const stores: [string, () => Promise<[BridgeStore, BridgeStore]>][] = [
      [
        'SQLite (one file, two processes’ handles)',
        async () => {
          const dir = mkdtempSync(join(tmpdir(), 'bridge-replay-'));
          dirs.push(dir);
          return [new SqliteBridgeStore(join(dir, 'bridge.sqlite')), new SqliteBridgeStore(join(dir, 'bridge.sqlite'))];
        },
      ],
      [
        'DynamoDB (dynalite, two clients)',
        async () => {
          const table = `bridge-replay-${Math.random().toString(36).slice(2)}`;
          await dynamo.createTable(table);
          const open = () => new DynamoDbBridgeStore({ table, region: LOCAL_DYNAMODB_REGION, endpoint: dynamo.endpoint, credentials: LOCAL_DYNAMODB_CREDENTIALS });
          return [open(), open()];
        },
      ],
    ];
    for (const [name, open] of stores) {
      it(`${name}: redeemed on one instance, replayed on the other, the link is dead on both`, async () => {
        const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl }));
        const [storeA, storeB] = await open();
        const instance = async (store: BridgeStore): Promise<TestBridge> => {
          const logger = createMemoryLogger('debug');
          const bridge = await startBridgeServer(config, { port: 0, logger, store });
          return { bridge, logger, close: () => bridge.close() };
        };
        const a = await instance(storeA);
        const b = await instance(storeB);
        try {
          const code = await bridgeCode(a);
          const first = await exchangeCode(a.bridge, code);
          expect(first.status, first.text).to.equal(200);
          const replay = await exchangeCode(b.bridge, code);
          expect(replay.body).to.deep.equal({ error: 'invalid_grant' });
          for (const on of [a, b]) expect((await refresh(on.bridge, first.body.refresh_token as string)).body).to.deep.equal({ error: 'invalid_grant' });
        } finally {
          await a.close();
          await b.close();
        }
      });
    }
  });

  describe('/token details that a mutation once got past', () => {
    it('refuses a repeated parameter (even with equal values) with invalid_request, and the code survives', async () => {
      const code = await bridgeCode(t);
      const body = `grant_type=authorization_code&code=${encodeURIComponent(code)}&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(CODE_REDIRECT)}`;
      const basic = `Basic ${Buffer.from(`${encodeURIComponent(BRIDGE_CLIENT.clientId)}:${new URLSearchParams({ v: BRIDGE_CLIENT.clientSecret }).toString().slice(2)}`).toString('base64')}`;
      const response = await fetch(`${t.bridge.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body });
      expect(response.status).to.equal(400);
      expect(await response.json()).to.deep.equal({ error: 'invalid_request' });
      expect((await exchangeCode(t.bridge, code)).status).to.equal(200);
    });

    it('passes an upstream invalid_scope on as 400 invalid_scope (a refusal of the grant, not an outage)', async () => {
      const scripted = await startScriptedUpstream(async () => ({ status: 400, body: { error: 'invalid_scope' } }));
      const s = await startTestBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: scripted.tokenUrl });
      try {
        const refused = await exchangeCode(s.bridge, await bridgeCode(s));
        expect(refused.status, refused.text).to.equal(400);
        expect(refused.body).to.deep.equal({ error: 'invalid_scope' });
        const unknown = await tokenRequest(s.bridge, { grant_type: 'refresh_token', refresh_token: 'brt_unknown' });
        expect(unknown.body).to.deep.equal({ error: 'invalid_grant' });
      } finally {
        await s.close();
        await scripted.close();
      }
    });
  });
});
