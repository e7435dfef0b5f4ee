/**
 * The whole product over real HTTP on loopback: startLocalStack runs the authorization server, the Ride Hailer API,
 * the simulator's server and the verifying skill endpoint; the simulator plays Alexa (signed requests, the real
 * login form, the token endpoint, refreshes). Access tokens live 2 s here, so expiry and refresh are real.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { Intent } from 'ask-sdk-model';
import { intentRequest, newSession } from '../../local/alexa/envelopes.js';
import { FileTokenStore, MemoryTokenStore, type AccessTokenScheme, type AlexaSimulator, type TokenStore } from '../../local/alexa/index.js';
import { StackLink } from '../../local/alexa/link-client.js';
import { bindSocket } from '../../local/bound-socket.js';
import { completeLoginHeadlessly } from '../../local/auth/headless-login.js';
import { DEMO } from '../../local/demo.js';
import { loggablePath } from '../../local/stack-logs.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

const ANN = { email: DEMO.user.email, password: DEMO.user.password };
const LINK_API_KEY = 'test-only-link-api-key';
const TTL_SECONDS = 2;

interface LogRecord {
  service?: string;
  event?: string;
  method?: string;
  path?: string;
  status?: number | string;
  [field: string]: unknown;
}

describe('local stack end to end', function () {
  this.timeout(30_000);

  let stack: LocalStack;
  let dataDir: string;
  const logLines: string[] = [];
  const records = (from = 0): LogRecord[] => logLines.slice(from).map((line) => JSON.parse(line) as LogRecord);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'e2e-stack-'));
    stack = await startLocalStack({
      databaseFiles: { rides: join(dataDir, 'rides.sqlite') },
      signingDir: join(dataDir, 'alexa-ca'),
      tokenStore: new FileTokenStore(join(dataDir, 'alexa-link.json')),
      linkApiKey: LINK_API_KEY,
      accessTokenTtlSeconds: TTL_SECONDS,
      // Refresh just before the real expiry (the default 30 s would refresh a 2 s token on every request).
      refreshLeewaySeconds: 1,
      // No clock tolerance: an implicit-grant token (never refreshed) must count as expired when it says so.
      env: { OAUTH_CLOCK_TOLERANCE_S: '0' },
      log: (line) => logLines.push(line),
    });
  });

  after(async () => {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `npm run link` in a second process: it asks the stack's simulator, which owns the link. */
  const cliLink = () => new StackLink({ simulatorUrl: new URL(stack.urls.simulator), key: async () => LINK_API_KEY });

  /** Waits (really) until the stored access token has expired. */
  async function untilExpired(store: TokenStore): Promise<string> {
    const link = await store.load();
    if (!link) throw new Error('not linked');
    await sleep(Math.max(0, Date.parse(link.expiresAt) - Date.now()) + 100);
    return link.accessToken;
  }

  async function revoke(refreshToken: string): Promise<number> {
    const response = await fetch(stack.auth.revocationUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }),
    });
    await response.body?.cancel();
    return response.status;
  }

  for (const scheme of ['HTTP_BASIC', 'REQUEST_BODY_CREDENTIALS'] as AccessTokenScheme[]) {
    it(`links through the login form with ${scheme}, serves the linked user, refreshes, and unlinks when the refresh is refused`, async () => {
      const store = new MemoryTokenStore();
      const alexa = stack.createSimulator({ accessTokenScheme: scheme, tokenStore: store });
      expect(alexa.linker.config.accessTokenScheme).to.equal(scheme);

      const unlinked = await alexa.say('order a ride to the airport');
      expect(unlinked.linkRequested).to.equal(true);
      expect(unlinked.card?.type).to.equal('LinkAccount');

      const mark = logLines.length;
      const outcome = await alexa.link(ANN);
      expect(outcome.event).to.deep.equal({ delivered: true });
      expect(outcome.scope).to.equal('basic_profile order_car');
      expect(records(mark).some((r) => r.service === 'skill' && r.event === 'account_linked')).to.equal(true);

      expect((await alexa.launch()).speech).to.include('Ann Example');
      expect((await alexa.say('order a ride to the airport')).speech).to.match(/car is on its way to take you to the airport/i);
      expect((await alexa.say('where is my ride')).speech).to.match(/your ride to the airport is on its way/i);
      const confirm = await alexa.say('cancel my ride');
      expect(confirm.directives.map((d) => d.type)).to.include('Dialog.ConfirmIntent');
      expect((await alexa.say('yes')).speech).to.match(/ride to the airport is cancelled/i);
      expect((await alexa.say('who am i')).speech).to.include(DEMO.user.email);

      const expired = await untilExpired(store);
      const afterExpiry = await alexa.say('where is my ride');
      expect(afterExpiry.linkRequested).to.equal(false);
      expect(afterExpiry.speech).to.match(/don't have a ride/i);
      const refreshed = await store.load();
      expect(refreshed?.accessToken).to.be.a('string').and.not.equal(expired);

      expect(await revoke(refreshed!.refreshToken!)).to.equal(200);
      await untilExpired(store);
      const dropMark = logLines.length;
      const afterRevocation = await alexa.say('where is my ride');
      expect(afterRevocation.linkRequested).to.equal(true);
      expect(afterRevocation.card?.type).to.equal('LinkAccount');
      expect(await store.load()).to.equal(undefined);
      expect(records(dropMark).some((r) => r.service === 'simulator' && r.event === 'link.dropped')).to.equal(true);
    });
  }

  it('orders one ride when the same OrderRideIntent request is delivered twice', async () => {
    const bob = await stack.auth.users.create({ name: 'Bob Example', email: 'bob@example.com', password: 'bob-e2e-password' });
    const store = new MemoryTokenStore();
    const alexa = stack.createSimulator({ tokenStore: store });
    await alexa.link({ email: 'bob@example.com', password: 'bob-e2e-password' });
    const accessToken = (await store.load())!.accessToken;

    const intent: Intent = {
      name: 'OrderRideIntent',
      confirmationStatus: 'NONE',
      slots: { destination: { name: 'destination', value: 'airport', confirmationStatus: 'NONE' } },
    };
    const envelope = intentRequest({ identity: alexa.identity, locale: 'en-US', accessToken, now: new Date() }, newSession(), intent, 'COMPLETED');
    const mark = logLines.length;
    const first = await stack.sendToSkill(envelope);
    const second = await stack.sendToSkill(envelope);
    for (const answer of [first, second]) {
      expect(JSON.stringify(answer.response.outputSpeech)).to.match(/car is on its way to take you to the airport/i);
    }

    const current = await fetch(`${stack.urls.api}/v1/rides/current`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(current.status).to.equal(200);
    expect(((await current.json()) as { destination: string }).destination).to.equal('airport');

    const orders = records(mark).filter((r) => r.service === 'api' && r.method === 'POST' && r.path === '/v1/rides');
    expect(orders.map((r) => r.status)).to.deep.equal([201, 200]);
    const db = new DatabaseSync(join(dataDir, 'rides.sqlite'), { readOnly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM rides WHERE user_id = ?').get(bob.id)).to.deep.equal({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('greets a German user in German after linking', async () => {
    const alexa = stack.createSimulator({ locale: 'de-DE', tokenStore: new MemoryTokenStore() });
    expect((await alexa.say('bestelle eine fahrt zum flughafen')).linkRequested).to.equal(true);
    await alexa.link(ANN);
    const welcome = await alexa.launch();
    expect(welcome.speech).to.match(/^Willkommen zurück bei Ride Hailer, Ann Example\./);
  });

  it('lets another process start a browser link at the stack\'s simulator, and hears the outcome from it', async () => {
    // "npm run link" in a second process: the stack's simulator starts the authorization and receives the redirect.
    const link = cliLink();
    const mark = logLines.length;
    const authorizationUrl = await link.startAuthorization({});
    const ended = link.outcome(authorizationUrl);
    const redirect = await completeLoginHeadlessly(authorizationUrl.href, ANN);
    expect(redirect.origin).to.equal(stack.urls.simulator);
    const page = fetch(redirect).then((response) => response.status); // the "browser" follows the redirect to the callback
    const { outcome, link: state } = await ended;
    expect(outcome).to.deep.equal({ result: 'linked' });
    expect(state).to.deep.include({ linked: true, grant: 'code', route: 'direct' });
    expect(await page).to.equal(200);
    expect(await stack.simulator.accessToken()).to.be.a('string');
    expect(records(mark).some((r) => r.service === 'skill' && r.event === 'account_linked')).to.equal(true);
  });

  it('links through the bridge with the code grant: a stable bridge refresh token, refreshes through the bridge', async () => {
    const store = new MemoryTokenStore();
    const alexa = stack.createSimulator({ tokenStore: store, via: 'bridge' });
    expect(alexa.linker.config.authorizationUrl.href).to.equal(`${stack.urls.bridge}/authorize`);
    const mark = logLines.length;
    const outcome = await alexa.link(ANN);
    expect(outcome.event).to.deep.equal({ delivered: true });
    const link = await store.load();
    expect(link).to.deep.include({ route: 'bridge', grant: 'AUTH_CODE' });
    expect(link?.refreshToken).to.match(/^brt_/); // the bridge's own, never the upstream's
    expect((await alexa.say('who am i')).speech).to.include(DEMO.user.email);

    const expired = await untilExpired(store);
    const afterExpiry = await alexa.say('where is my ride');
    expect(afterExpiry.linkRequested).to.equal(false);
    const refreshed = await store.load();
    expect(refreshed?.accessToken).to.be.a('string').and.not.equal(expired);
    expect(refreshed?.refreshToken).to.equal(link?.refreshToken);
    const tokenCalls = records(mark).filter((r) => r.service === 'bridge' && r.event === 'http_request' && r.path === '/token');
    expect(tokenCalls.map((r) => r.status)).to.deep.equal([200, 200]); // the code, then the refresh
  });

  it('links with the implicit grant through the bridge: no refresh token, and a new LinkAccount card once the token expires', async () => {
    const store = new MemoryTokenStore();
    const alexa = stack.createSimulator({ tokenStore: store, grant: 'IMPLICIT' });
    expect(alexa.linker.config.redirectUri).to.match(/\/spa\/skill\/account-linking-status\.html\?vendorId=M1LOCALDEMO$/);
    await alexa.link(ANN);
    const link = await store.load();
    expect(link).to.deep.include({ route: 'bridge', grant: 'IMPLICIT' });
    expect(link?.refreshToken).to.equal(undefined);
    expect((await alexa.say('order a ride to the airport')).speech).to.match(/car is on its way/i);
    expect((await alexa.say('cancel my ride')).directives.map((d) => d.type)).to.include('Dialog.ConfirmIntent');
    expect((await alexa.say('yes')).speech).to.match(/cancelled/i);

    const mark = logLines.length;
    await untilExpired(store);
    const afterExpiry = await alexa.say('where is my ride');
    expect(afterExpiry.linkRequested).to.equal(true);
    expect(afterExpiry.card?.type).to.equal('LinkAccount');
    expect(afterExpiry.speech).to.match(/expired/i);
    expect(records(mark).some((r) => r.service === 'bridge' && r.path === '/token')).to.equal(false); // nothing to refresh

    await alexa.link(ANN); // the user links again
    expect((await alexa.say('where is my ride')).linkRequested).to.equal(false);
  });

  it('expiring an implicit link by hand (npm run link -- --expire) leads to the LinkAccount card on the next request', async () => {
    const store = new MemoryTokenStore();
    const alexa = stack.createSimulator({ tokenStore: store, grant: 'IMPLICIT' });
    await alexa.link(ANN);
    expect((await alexa.say('where is my ride')).linkRequested).to.equal(false);
    expect(await alexa.linker.expireAccessToken()).to.equal(true);
    const afterExpiry = await alexa.say('where is my ride');
    expect(afterExpiry.linkRequested).to.equal(true);
    expect(afterExpiry.card?.type).to.equal('LinkAccount');
    expect(await store.load()).to.equal(undefined);
  });

  it("completes an implicit link started by another process on the stack's own account-linking-status page", async () => {
    const link = cliLink();
    const authorizationUrl = await link.startAuthorization({ grant: 'IMPLICIT' });
    const ended = link.outcome(authorizationUrl);
    // The browser: login, the bridge's callback, then Alexa's page, whose script posts the fragment.
    const atBridge = await completeLoginHeadlessly(authorizationUrl.href, ANN);
    const answer = await fetch(atBridge, { redirect: 'manual' });
    const final = new URL(answer.headers.get('location')!, atBridge);
    expect(final.origin).to.equal(stack.urls.simulator);
    const posted = await fetch(new URL(`/spa/skill/account-linking-status${final.search}`, final), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: final.hash.slice(1),
    });
    await posted.body?.cancel();
    expect((await ended).outcome).to.deep.equal({ result: 'linked' });
    expect(await stack.simulator.linker.linked()).to.deep.include({ grant: 'IMPLICIT', route: 'bridge' });
  });

  /**
   * Fresh traffic for a log check, so that it never judges lines other tests happened to leave: a code-grant link
   * completed on the stack's own callback port (the code and state travel in a logged request), a code-grant link
   * and an implicit link through the bridge, each followed by a request to the skill. Returns where its lines start
   * and every secret it handled.
   */
  async function linkTraffic(): Promise<{ mark: number; secrets: string[] }> {
    const mark = logLines.length;
    const secrets: string[] = [DEMO.user.password];
    const link = cliLink();
    const authorizationUrl = await link.startAuthorization({});
    const ended = link.outcome(authorizationUrl);
    const redirect = await completeLoginHeadlessly(authorizationUrl.href, ANN);
    secrets.push(redirect.searchParams.get('code') ?? '', redirect.searchParams.get('state') ?? '');
    await (await fetch(redirect)).text();
    expect((await ended).outcome).to.deep.equal({ result: 'linked' });
    expect((await stack.simulator.say('who am i')).speech).to.include(DEMO.user.email);
    const linked = await stack.simulator.linker.linked();
    secrets.push(linked?.accessToken ?? '', linked?.refreshToken ?? '');

    for (const options of [{ via: 'bridge' }, { grant: 'IMPLICIT' }] as const) {
      const store = new MemoryTokenStore();
      const alexa = stack.createSimulator({ tokenStore: store, ...options });
      await alexa.link(ANN);
      expect((await alexa.say('who am i')).speech).to.include(DEMO.user.email);
      const link = await store.load();
      secrets.push(link?.accessToken ?? '', link?.refreshToken ?? '');
    }
    expect(secrets.filter((s) => s.length >= 16), 'code, state, and the tokens of three links').to.have.length.of.at.least(7);
    return { mark, secrets: secrets.filter((s) => s.length > 0) };
  }

  it('never writes a token, code, state or password into the log', async () => {
    const { mark, secrets } = await linkTraffic();
    const lines = logLines.slice(mark);
    expect(lines.length).to.be.above(10);
    const everything = lines.join('\n');
    expect(everything).to.not.match(/eyJ[A-Za-z0-9_-]{10,}\./); // no JWT
    expect(everything).to.not.match(/[?&#](code|state|access_token)=/);
    for (const [i, secret] of secrets.entries()) expect(everything.includes(secret), `secret #${i} in the log`).to.equal(false);
  });

  it('keeps query strings and opaque path segments (interaction IDs, reset tokens) out of request lines', () => {
    expect(loggablePath('/link/callback?code=abc&state=def')).to.equal('/link/callback');
    expect(loggablePath('/recover/Zx9_aB3-kLmN0pQrStUv?x=1')).to.equal('/recover/:id');
    expect(loggablePath('/echo.api/local-stack-cert.pem')).to.equal('/echo.api/local-stack-cert.pem');
  });

  it('logs every request of every piece as one JSON line naming the piece', async () => {
    const { mark } = await linkTraffic();
    const requests = records(mark).filter((r) => r.event === 'http_request');
    expect(new Set(requests.map((r) => r.service))).to.deep.equal(new Set(['skill', 'auth', 'api', 'simulator', 'bridge']));
    for (const r of requests) expect(r).to.include.keys('method', 'path', 'status', 'latencyMs');
    // The API writes JSON through the same logger as the skill: nothing of it is rewrapped text, and its requests
    // are logged once (by the stack), not twice.
    const api = records(mark).filter((r) => r.service === 'api');
    expect(api.filter((r) => r.event !== 'http_request')).to.deep.equal([]);
    expect(api.filter((r) => r.path === '/v1/me')).to.have.length(3); // one "who am i" per link
  });
});

/** The stack refuses to start on a taken port and lets go of what it had bound. */
describe('local stack start-up', () => {
  it('names the piece and port that could not start, and leaves no piece running', async () => {
    const first = await startLocalStack({ log: () => {} });
    try {
      const apiPort = Number(new URL(first.urls.api).port);
      // A port for the authorization server, bound (and so held) by the stack before it meets the API's.
      const probe = await bindSocket(0, '127.0.0.1');
      await probe.release();
      const lines: string[] = [];
      const error = await startLocalStack({ ports: { auth: probe.port, api: apiPort }, log: (line) => lines.push(line) }).catch((e: unknown) => e);
      expect(error).to.have.property('piece', 'api');
      expect(error).to.have.property('port', apiPort);
      expect((error as Error).message).to.include(`port ${apiPort} is already in use`);
      // Every port is bound before any piece is built: none started, and the ports already held are free again.
      expect(lines.filter((line) => line.includes('listening'))).to.deep.equal([]);
      const again = await bindSocket(probe.port, '127.0.0.1');
      await again.release();
    } finally {
      await first.close();
    }
  });

  it('keeps Alexa request verification on unless the environment turns it off explicitly, and then warns', async () => {
    const lines: string[] = [];
    const stack = await startLocalStack({ log: (line) => lines.push(line), env: { ALEXA_VERIFY_REQUESTS: 'off' } });
    try {
      expect(lines.some((line) => line.includes('alexa_request_verification_off'))).to.equal(true);
    } finally {
      await stack.close();
    }
    const verifying = await startLocalStack({ log: () => {} });
    try {
      const unsigned = await fetch(`${verifying.urls.skill}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ version: '1.0', request: { type: 'LaunchRequest' } }),
      });
      await unsigned.body?.cancel();
      expect(unsigned.status).to.equal(400);
    } finally {
      await verifying.close();
    }
  });
});
