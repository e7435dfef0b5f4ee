import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { UnsecuredJWT } from 'jose';
import { createMemoryLogger } from '../../common/logging.js';
import { AccountLinker, LinkingError } from '../../local/alexa/linking.js';
import { linkChange, snapshotOf } from '../../local/alexa/link-change.js';
import { FileTokenStore, MemoryTokenStore, type StoredLink } from '../../local/alexa/token-store.js';
import { formOf, linkingConfigFor, manualClock, redirectFor, startFakeServer, type FakeServer } from './fakes.js';

const tokens = (n: number, extra: Record<string, unknown> = {}) => ({
  access_token: `access-${n}`,
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: `refresh-${n}`,
  scope: 'basic_profile order_car',
  ...extra,
});

describe('simulator account linking', () => {
  let tokenServer: FakeServer;

  before(async () => {
    tokenServer = await startFakeServer();
  });
  after(async () => {
    await tokenServer.close();
  });
  beforeEach(() => {
    tokenServer.requests.length = 0;
    tokenServer.respond = () => ({ json: tokens(1) });
  });

  describe('authorization URL', () => {
    it('carries state, client_id, response_type=code, space-separated scopes and redirect_uri', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      expect(url.origin + url.pathname).to.equal('http://127.0.0.1:9/auth');
      expect(url.searchParams.get('client_id')).to.equal('alexa-ride-hailer');
      expect(url.searchParams.get('response_type')).to.equal('code');
      expect(url.searchParams.get('scope')).to.equal('basic_profile order_car');
      expect(url.searchParams.get('redirect_uri')).to.equal('http://127.0.0.1:3003/link/callback');
      expect(url.searchParams.get('state')).to.match(/^[A-Za-z0-9_-]{40,}$/);
    });

    it('uses a fresh unguessable state every time', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore() });
      const urls = await Promise.all(Array.from({ length: 20 }, () => linker.beginAuthorization()));
      const states = new Set(urls.map((url) => url.searchParams.get('state')));
      expect(states.size).to.equal(20);
    });
  });

  describe('redirect handling', () => {
    it('refuses a redirect whose state was never issued and does not call the token endpoint', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      const forged = redirectFor(url, { code: 'c', state: 'forged-state' });
      const error = await linker.completeAuthorization(forged).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');
      expect(tokenServer.requests).to.have.length(0);
    });

    it('refuses a redirect without state', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      const error = await linker.completeAuthorization(redirectFor(url, { code: 'c' })).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');
    });

    it('accepts a state only once', async () => {
      const store = new MemoryTokenStore();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store });
      const url = await linker.beginAuthorization();
      const redirect = redirectFor(url, { code: 'c', state: url.searchParams.get('state')! });
      await linker.completeAuthorization(redirect);
      const error = await linker.completeAuthorization(redirect).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');
      expect(tokenServer.requests).to.have.length(1);
    });

    it('reports access_denied and stores nothing', async () => {
      const store = new MemoryTokenStore();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store });
      const url = await linker.beginAuthorization();
      const denied = redirectFor(url, { error: 'access_denied', state: url.searchParams.get('state')! });
      const error = await linker.completeAuthorization(denied).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'access_denied');
      expect(await store.load()).to.equal(undefined);
      expect(tokenServer.requests).to.have.length(0);
    });
  });

  describe('code exchange', () => {
    it('sends HTTP Basic client credentials with form-encoded id and secret (RFC 6749 §2.3.1)', async () => {
      const config = linkingConfigFor(tokenServer.url, { clientId: 'alexa ride:hailer', clientSecret: 's3cr+t/ü' });
      const linker = new AccountLinker({ config, store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      await linker.completeAuthorization(redirectFor(url, { code: 'the-code', state: url.searchParams.get('state')! }));

      const [request] = tokenServer.requests;
      expect(request?.method).to.equal('POST');
      expect(request?.path).to.equal('/token');
      expect(request?.headers['content-type']).to.match(/^application\/x-www-form-urlencoded(;|$)/);
      const decoded = Buffer.from(request!.headers.authorization!.replace(/^Basic /, ''), 'base64').toString();
      expect(decoded).to.equal('alexa+ride%3Ahailer:s3cr%2Bt%2F%C3%BC');
      expect(formOf(request!.body)).to.deep.equal({
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: 'http://127.0.0.1:3003/link/callback',
      });
    });

    it('sends client_id and client_secret in the body for REQUEST_BODY_CREDENTIALS', async () => {
      const config = linkingConfigFor(tokenServer.url, { accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' });
      const linker = new AccountLinker({ config, store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      await linker.completeAuthorization(redirectFor(url, { code: 'the-code', state: url.searchParams.get('state')! }));

      const [request] = tokenServer.requests;
      expect(request?.headers.authorization).to.equal(undefined);
      expect(formOf(request!.body)).to.deep.equal({
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: 'http://127.0.0.1:3003/link/callback',
        client_id: 'alexa-ride-hailer',
        client_secret: 'demo-only-client-secret',
      });
    });

    it('stores the tokens with their expiry', async () => {
      const clock = manualClock();
      const store = new MemoryTokenStore();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now });
      const url = await linker.beginAuthorization();
      await linker.completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
      expect(await store.load()).to.deep.include({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        tokenType: 'Bearer',
        scope: 'basic_profile order_car',
        expiresAt: '2030-01-01T13:00:00.000Z',
      });
    });

    it('fails with token_request_failed when the token endpoint refuses the code', async () => {
      tokenServer.respond = () => ({ status: 400, json: { error: 'invalid_grant' } });
      const store = new MemoryTokenStore();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store });
      const url = await linker.beginAuthorization();
      const error = await linker
        .completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }))
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'token_request_failed');
      expect((error as LinkingError).details).to.deep.equal({ status: 400, oauthError: 'invalid_grant' });
      expect(await store.load()).to.equal(undefined);
    });

    it('gives up after the configured timeout (Alexa allows 4.5 s)', async () => {
      tokenServer.respond = () => new Promise(() => {}); // never answers: only the timeout can end the wait
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url, { tokenRequestTimeoutMs: 100 }), store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      const error = await linker
        .completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }))
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'token_endpoint_unreachable');
    });

    it('refuses a token response that is not a Bearer token', async () => {
      tokenServer.respond = () => ({ json: { access_token: 'x', token_type: 'mac' } });
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      const error = await linker
        .completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }))
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'invalid_token_response');
    });
  });

  describe('refresh', () => {
    const linkedAt = '2030-01-01T12:00:00.000Z';
    const stored = (expiresAt: string, refreshToken: string | undefined = 'refresh-0'): StoredLink => ({
      accessToken: 'access-0',
      tokenType: 'Bearer',
      expiresAt,
      linkedAt,
      ...(refreshToken ? { refreshToken } : {}),
    });

    it('returns the stored token without a refresh while it is valid', async () => {
      const clock = manualClock();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore(stored('2030-01-01T13:00:00Z')), now: clock.now });
      expect(await linker.accessToken()).to.equal('access-0');
      expect(tokenServer.requests).to.have.length(0);
    });

    it('refreshes with grant_type=refresh_token once the access token has expired', async () => {
      const clock = manualClock();
      const store = new MemoryTokenStore(stored('2030-01-01T13:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now });
      clock.advance(3601);
      tokenServer.respond = () => ({ json: tokens(2) });

      expect(await linker.accessToken()).to.equal('access-2');
      expect(formOf(tokenServer.requests[0]!.body)).to.deep.equal({ grant_type: 'refresh_token', refresh_token: 'refresh-0' });
      expect(tokenServer.requests[0]!.headers.authorization).to.equal(`Basic ${Buffer.from('alexa-ride-hailer:demo-only-client-secret').toString('base64')}`);
      expect(await store.load()).to.deep.include({ accessToken: 'access-2', refreshToken: 'refresh-2', linkedAt });
    });

    it('refreshes when the access token expires within 30 seconds', async () => {
      const clock = manualClock();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore(stored('2030-01-01T12:00:20Z')), now: clock.now });
      tokenServer.respond = () => ({ json: tokens(2) });
      expect(await linker.accessToken()).to.equal('access-2');
    });

    it('keeps the old refresh token when the response carries none', async () => {
      const clock = manualClock();
      const store = new MemoryTokenStore(stored('2030-01-01T11:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now });
      tokenServer.respond = () => ({ json: { access_token: 'access-3', token_type: 'Bearer', expires_in: 600 } });
      expect(await linker.accessToken()).to.equal('access-3');
      expect(await store.load()).to.deep.include({ accessToken: 'access-3', refreshToken: 'refresh-0', expiresAt: '2030-01-01T12:10:00.000Z' });
    });

    it('drops the link when the refresh is refused with invalid_grant, so the skill sees no token', async () => {
      const clock = manualClock();
      const store = new MemoryTokenStore(stored('2030-01-01T11:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now });
      tokenServer.respond = () => ({ status: 400, json: { error: 'invalid_grant' } });
      expect(await linker.accessToken()).to.equal(undefined);
      expect(await store.load()).to.equal(undefined);
    });

    it('drops the link when the token endpoint answers 401', async () => {
      const store = new MemoryTokenStore(stored('2030-01-01T11:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: manualClock().now });
      tokenServer.respond = () => ({ status: 401, json: { error: 'invalid_client' } });
      expect(await linker.accessToken()).to.equal(undefined);
      expect(await store.load()).to.equal(undefined);
    });

    it('keeps the link when the token endpoint cannot be reached', async () => {
      const store = new MemoryTokenStore(stored('2030-01-01T11:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: manualClock().now });
      tokenServer.respond = () => ({ hangUp: true });
      expect(await linker.accessToken()).to.equal('access-0');
      expect(await store.load()).to.deep.include({ accessToken: 'access-0', refreshToken: 'refresh-0' });
    });

    it('keeps the link when the token endpoint has a 503', async () => {
      const store = new MemoryTokenStore(stored('2030-01-01T11:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: manualClock().now });
      tokenServer.respond = () => ({ status: 503, json: { error: 'temporarily_unavailable' } });
      expect(await linker.accessToken()).to.equal('access-0');
      expect(await store.load()).to.not.equal(undefined);
    });

    it('spends the refresh token once when requests ask for a token at the same time', async () => {
      const store = new MemoryTokenStore(stored('2030-01-01T11:00:00Z'));
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: manualClock().now });
      tokenServer.respond = () => ({ json: tokens(4) });
      const results = await Promise.all([linker.accessToken(), linker.accessToken(), linker.accessToken()]);
      expect(results).to.deep.equal(['access-4', 'access-4', 'access-4']);
      expect(tokenServer.requests).to.have.length(1);
    });

    it('never writes a token or secret into its log lines', async () => {
      const logger = createMemoryLogger('debug');
      const store = new MemoryTokenStore();
      const clock = manualClock();
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now, logger });
      const url = await linker.beginAuthorization();
      await linker.completeAuthorization(redirectFor(url, { code: 'the-code', state: url.searchParams.get('state')! }));
      clock.advance(7200);
      tokenServer.respond = () => ({ json: tokens(5) });
      await linker.accessToken();
      clock.advance(7200);
      tokenServer.respond = () => ({ status: 400, json: { error: 'invalid_grant' } });
      await linker.accessToken();

      expect(logger.lines.length).to.be.greaterThan(2);
      const written = logger.lines.join('\n');
      for (const secret of ['access-1', 'refresh-1', 'access-5', 'refresh-5', 'the-code', 'demo-only-client-secret']) {
        expect(written).to.not.include(secret);
      }
    });
  });
});

describe('simulator account linking: the implicit grant and the bridge route', () => {
  let tokenServer: FakeServer;
  const implicitRedirectUri = 'http://127.0.0.1:3003/spa/skill/account-linking-status.html?vendorId=M1LOCALDEMO';
  const implicitConfig = (tokenUrl: URL) =>
    linkingConfigFor(tokenUrl, { grant: 'IMPLICIT', route: 'bridge', redirectUri: implicitRedirectUri, accessTokenUrl: new URL('/bridge/token', tokenUrl) });
  /** What the bridge (or any implicit-grant server) sends back: Alexa's redirect URI with the answer in the fragment. */
  const fragmentRedirect = (params: Record<string, string>) => new URL(`${implicitRedirectUri}#${new URLSearchParams(params)}`);

  before(async () => {
    tokenServer = await startFakeServer(() => ({ json: tokens(1) }));
  });
  after(async () => {
    await tokenServer.close();
  });
  beforeEach(() => {
    tokenServer.requests.length = 0;
    tokenServer.respond = () => ({ json: tokens(1) });
  });

  it("asks for response_type=token with Alexa's account-linking-status redirect URI", async () => {
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store: new MemoryTokenStore() });
    const url = await linker.beginAuthorization();
    expect(url.searchParams.get('response_type')).to.equal('token');
    expect(url.searchParams.get('redirect_uri')).to.equal(implicitRedirectUri);
  });

  it('takes the token from the fragment after ?vendorId=…, keeps no refresh token and calls no token endpoint', async () => {
    const clock = manualClock();
    const store = new MemoryTokenStore();
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store, now: clock.now });
    const state = (await linker.beginAuthorization()).searchParams.get('state')!;
    const link = await linker.completeAuthorization(
      fragmentRedirect({ state, access_token: 'implicit-access', token_type: 'Bearer', expires_in: '600', refresh_token: 'must-be-ignored' }),
    );
    expect(link).to.deep.include({ accessToken: 'implicit-access', route: 'bridge', grant: 'IMPLICIT' });
    expect(link.refreshToken).to.equal(undefined);
    expect(link.expiresAt).to.equal(new Date(clock.now().getTime() + 600_000).toISOString());
    expect(await store.load()).to.deep.include({ accessToken: 'implicit-access' });
    expect(tokenServer.requests).to.have.length(0);
  });

  it('uses defaultTokenExpirationInSeconds when the fragment has no expires_in', async () => {
    const clock = manualClock();
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store: new MemoryTokenStore(), now: clock.now });
    const state = (await linker.beginAuthorization()).searchParams.get('state')!;
    const link = await linker.completeAuthorization(fragmentRedirect({ state, access_token: 'a', token_type: 'bearer' }));
    expect(link.expiresAt).to.equal(new Date(clock.now().getTime() + 3_600_000).toISOString());
  });

  it('refuses a fragment whose state was not issued, one without a token, and one that is not Bearer', async () => {
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store: new MemoryTokenStore() });
    await linker.beginAuthorization();
    const forged = await linker.completeAuthorization(fragmentRedirect({ state: 'forged', access_token: 'a', token_type: 'Bearer' })).catch((e: unknown) => e);
    expect(forged).to.be.instanceOf(LinkingError).with.property('code', 'state_mismatch');
    const noToken = await linker
      .completeAuthorization(fragmentRedirect({ state: (await linker.beginAuthorization()).searchParams.get('state')!, token_type: 'Bearer' }))
      .catch((e: unknown) => e);
    expect(noToken).to.be.instanceOf(LinkingError).with.property('code', 'authorization_error');
    const mac = await linker
      .completeAuthorization(fragmentRedirect({ state: (await linker.beginAuthorization()).searchParams.get('state')!, access_token: 'a', token_type: 'mac' }))
      .catch((e: unknown) => e);
    expect(mac).to.be.instanceOf(LinkingError).with.property('code', 'invalid_token_response');
  });

  it('reports access_denied sent in the fragment', async () => {
    const store = new MemoryTokenStore();
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store });
    const state = (await linker.beginAuthorization()).searchParams.get('state')!;
    const error = await linker.completeAuthorization(fragmentRedirect({ state, error: 'access_denied' })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LinkingError).with.property('code', 'access_denied');
    expect(await store.load()).to.equal(undefined);
  });

  it('sends an expired implicit token as it is (the skill asks to relink) instead of trying to refresh', async () => {
    const clock = manualClock();
    const store = new MemoryTokenStore();
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store, now: clock.now });
    const state = (await linker.beginAuthorization()).searchParams.get('state')!;
    await linker.completeAuthorization(fragmentRedirect({ state, access_token: 'short-lived', token_type: 'Bearer', expires_in: '60' }));
    clock.advance(120);
    expect(await linker.accessToken()).to.equal('short-lived');
    expect(tokenServer.requests).to.have.length(0);
  });

  it('ends an implicit link the tester expired by hand while its JWT would still verify: the next request goes without a token', async () => {
    const clock = manualClock();
    const store = new MemoryTokenStore();
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store, now: clock.now });
    const state = (await linker.beginAuthorization()).searchParams.get('state')!;
    const jwt = new UnsecuredJWT({ sub: 'ann' }).setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 3600).encode();
    await linker.completeAuthorization(fragmentRedirect({ state, access_token: jwt, token_type: 'Bearer', expires_in: '3600' }));
    expect(await linker.accessToken()).to.equal(jwt);
    expect(await linker.expireAccessToken()).to.equal(true);
    const before = await store.load();
    expect(await linker.accessToken()).to.equal(undefined);
    expect(await store.load()).to.equal(undefined);
    expect(linkChange(snapshotOf(before), undefined)).to.equal('expired');
    expect(tokenServer.requests).to.have.length(0);
  });

  it('still sends an implicit JWT that has really expired (the skill checks it and asks to relink)', async () => {
    const clock = manualClock();
    const store = new MemoryTokenStore();
    const linker = new AccountLinker({ config: implicitConfig(tokenServer.url), store, now: clock.now });
    const state = (await linker.beginAuthorization()).searchParams.get('state')!;
    const jwt = new UnsecuredJWT({ sub: 'ann' }).setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 60).encode();
    await linker.completeAuthorization(fragmentRedirect({ state, access_token: jwt, token_type: 'Bearer', expires_in: '60' }));
    clock.advance(120);
    expect(await linker.accessToken()).to.equal(jwt);
  });

  it('completes an authorization another linker started through another setup, the way it was started', async () => {
    const store = new MemoryTokenStore();
    const direct = linkingConfigFor(tokenServer.url);
    const implicit = implicitConfig(tokenServer.url);
    // `npm run link -- --grant implicit` starts it; npm start's simulator (code grant by default) receives the redirect.
    const starter = new AccountLinker({ config: implicit, store, alternatives: [direct] });
    const receiver = new AccountLinker({ config: direct, store, alternatives: [implicit] });
    const state = (await starter.beginAuthorization()).searchParams.get('state')!;
    const link = await receiver.completeAuthorization(fragmentRedirect({ state, access_token: 'via-bridge', token_type: 'Bearer' }));
    expect(link).to.deep.include({ accessToken: 'via-bridge', grant: 'IMPLICIT', route: 'bridge' });
    expect(tokenServer.requests).to.have.length(0);
  });

  it('refuses to complete an authorization started through a setup this linker does not know', async () => {
    const store = new MemoryTokenStore();
    const starter = new AccountLinker({ config: implicitConfig(tokenServer.url), store });
    const receiver = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store });
    const state = (await starter.beginAuthorization()).searchParams.get('state')!;
    const error = await receiver.completeAuthorization(fragmentRedirect({ state, access_token: 'a', token_type: 'Bearer' })).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LinkingError).with.property('code', 'authorization_error');
    expect(await store.load()).to.equal(undefined);
  });

  it('refreshes a link made through the bridge at the bridge, even from a linker that starts direct links', async () => {
    const clock = manualClock();
    const store = new MemoryTokenStore();
    const viaBridge = linkingConfigFor(tokenServer.url, { route: 'bridge', accessTokenUrl: new URL('/bridge/token', tokenServer.url) });
    const bridgeLinker = new AccountLinker({ config: viaBridge, store, now: clock.now });
    const url = await bridgeLinker.beginAuthorization();
    await bridgeLinker.completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
    expect(tokenServer.requests.map((r) => r.path)).to.deep.equal(['/bridge/token']);

    clock.advance(3600);
    tokenServer.respond = () => ({ json: tokens(2) });
    const directLinker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: clock.now, alternatives: [viaBridge] });
    expect(await directLinker.accessToken()).to.equal('access-2');
    expect(tokenServer.requests.map((r) => r.path)).to.deep.equal(['/bridge/token', '/bridge/token']);
    expect(await store.load()).to.deep.include({ route: 'bridge', refreshToken: 'refresh-2' });
  });
});

describe('simulator token file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alexa-link-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the link readable by the owner only (mode 0600) and reads it back', async () => {
    const store = new FileTokenStore(join(dir, 'nested', 'alexa-link.json'));
    const link: StoredLink = { accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r', expiresAt: '2030-01-01T13:00:00.000Z', linkedAt: '2030-01-01T12:00:00.000Z' };
    await store.save(link);
    expect((await stat(store.path)).mode & 0o777).to.equal(0o600);
    expect(await store.load()).to.deep.equal(link);
  });

  it('answers undefined when nothing is linked, and after clear', async () => {
    const store = new FileTokenStore(join(dir, 'other.json'));
    expect(await store.load()).to.equal(undefined);
    await store.save({ accessToken: 'a', tokenType: 'Bearer', expiresAt: '2030-01-01T13:00:00.000Z', linkedAt: '2030-01-01T12:00:00.000Z' });
    await store.clear();
    expect(await store.load()).to.equal(undefined);
  });
});
