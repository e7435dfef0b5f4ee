/**
 * The simulator's OAuth client on oauth4webapi (local/alexa/oauth-client.ts): PKCE when the skill turns it on, and
 * Alexa's behaviour kept wherever oauth4webapi alone would differ — the status decides whatever the content type,
 * an id_token is not Alexa's business, Bearer only, a positive lifetime, https except on loopback.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { AccountLinker, LinkingError, type LinkingConfig } from '../../local/alexa/linking.js';
import { MemoryTokenStore, type PendingAuthorization, type StoredLink } from '../../local/alexa/token-store.js';
import { formOf, linkingConfigFor, manualClock, redirectFor, startFakeServer, type FakeReply, type FakeServer } from './fakes.js';

const tokens = { access_token: 'access-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'refresh-1' };

describe('simulator OAuth client (oauth4webapi, as Alexa)', () => {
  let tokenServer: FakeServer;

  before(async () => {
    tokenServer = await startFakeServer();
  });
  after(async () => {
    await tokenServer.close();
  });
  beforeEach(() => {
    tokenServer.requests.length = 0;
    tokenServer.respond = () => ({ json: tokens });
  });

  /** Links once through the code grant with the token server answering `reply`; the link, or the LinkingError. */
  async function linkWith(reply: FakeReply, overrides: Partial<LinkingConfig> = {}): Promise<StoredLink | LinkingError> {
    tokenServer.respond = () => reply;
    const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url, overrides), store: new MemoryTokenStore() });
    const url = await linker.beginAuthorization();
    return linker.completeAuthorization(redirectFor(url, { code: 'the-code', state: url.searchParams.get('state')! })).catch((error: LinkingError) => error);
  }

  describe('PKCE (on when the skill turned it on)', () => {
    it('sends an S256 challenge with the authorization and its verifier with the code', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url, { pkce: true }), store: new MemoryTokenStore() });
      const url = await linker.beginAuthorization();
      const challenge = url.searchParams.get('code_challenge')!;
      expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
      expect(challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
      await linker.completeAuthorization(redirectFor(url, { code: 'the-code', state: url.searchParams.get('state')! }));
      const form = formOf(tokenServer.requests[0]!.body);
      expect(form.code_verifier).to.match(/^[A-Za-z0-9._~-]{43,128}$/);
      expect(createHash('sha256').update(form.code_verifier!).digest('base64url')).to.equal(challenge);
      expect(form).to.include({ grant_type: 'authorization_code', code: 'the-code' });
    });

    it('uses a new verifier for every authorization', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url, { pkce: true }), store: new MemoryTokenStore() });
      const challenges = new Set<string | null>();
      for (let i = 0; i < 5; i++) challenges.add((await linker.beginAuthorization()).searchParams.get('code_challenge'));
      expect(challenges.size).to.equal(5);
    });

    it('sends no challenge and no verifier when PKCE is off, and none with the implicit grant', async () => {
      const off = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore() });
      const url = await off.beginAuthorization();
      expect(url.searchParams.has('code_challenge')).to.equal(false);
      await off.completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
      expect(formOf(tokenServer.requests[0]!.body)).not.to.have.property('code_verifier');
      const implicit = new AccountLinker({ config: linkingConfigFor(tokenServer.url, { pkce: true, grant: 'IMPLICIT', route: 'bridge' }), store: new MemoryTokenStore() });
      expect((await implicit.beginAuthorization()).searchParams.has('code_challenge')).to.equal(false);
    });

    it('keeps the verifier with the pending state, so another simulator of the store completes the exchange; the settled entry forgets it', async () => {
      // The store's pending states, with what each settled entry is left holding written down.
      const store = new MemoryTokenStore();
      const settled: PendingAuthorization[] = [];
      const settle = store.pendingStates.settle.bind(store.pendingStates);
      store.pendingStates.settle = async (hash, taken, outcome) => {
        settled.push(taken);
        return settle(hash, taken, outcome);
      };
      const config = linkingConfigFor(tokenServer.url, { pkce: true });
      const starter = new AccountLinker({ config, store });
      const receiver = new AccountLinker({ config, store });
      const url = await starter.beginAuthorization();
      await receiver.completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
      const verifier = formOf(tokenServer.requests[0]!.body).code_verifier!;
      expect(createHash('sha256').update(verifier).digest('base64url')).to.equal(url.searchParams.get('code_challenge'));
      expect(settled).to.have.length(1);
      expect(settled[0]).not.to.have.property('codeVerifier');
      expect(await starter.outcomeOf(url)).to.deep.equal({ result: 'linked' });
    });
  });

  describe("Alexa's behaviour where oauth4webapi alone would differ", () => {
    it('links when the answer carries an id_token it cannot check (Alexa reads none)', async () => {
      const link = await linkWith({ json: { ...tokens, id_token: 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL290aGVyIn0.' } });
      expect(link).to.deep.include({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    });

    it('reads a refusal by its status, whatever the content type: an HTML 400 is token_request_failed with its status', async () => {
      const error = await linkWith({ status: 400, contentType: 'text/html', text: '<h1>Bad Request</h1>' });
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'token_request_failed');
      expect((error as LinkingError).details).to.deep.equal({ status: 400 });
      expect((error as LinkingError).message).to.equal('the token endpoint answered 400');
    });

    it('unlinks on a refused refresh answered 401 with a WWW-Authenticate challenge, naming its OAuth error', async () => {
      const store = new MemoryTokenStore({ accessToken: 'a0', tokenType: 'Bearer', refreshToken: 'r0', expiresAt: '2030-01-01T11:00:00.000Z', linkedAt: '2030-01-01T10:00:00.000Z' });
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: manualClock().now });
      tokenServer.respond = () => ({ status: 401, headers: { 'www-authenticate': 'Basic realm="token"' }, json: { error: 'invalid_client' } });
      expect(await linker.accessToken()).to.equal(undefined);
      expect(await store.load()).to.equal(undefined);
      expect(formOf(tokenServer.requests[0]!.body)).to.deep.equal({ grant_type: 'refresh_token', refresh_token: 'r0' });
    });

    it('accepts expires_in as a string (Azure AD v1 sends them so) and uses the default when it is missing', async () => {
      const clock = manualClock();
      const stringy = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore(), now: clock.now });
      tokenServer.respond = () => ({ json: { ...tokens, expires_in: '600' } });
      const url = await stringy.beginAuthorization();
      const link = await stringy.completeAuthorization(redirectFor(url, { code: 'c', state: url.searchParams.get('state')! }));
      expect(link.expiresAt).to.equal('2030-01-01T12:10:00.000Z');
      const { expires_in: _none, ...withoutLifetime } = tokens;
      const fallback = await linkWith({ json: withoutLifetime }, { defaultTokenExpirationSeconds: 900 });
      expect(Date.parse((fallback as StoredLink).expiresAt) - Date.parse((fallback as StoredLink).linkedAt)).to.equal(900_000);
    });

    it('refuses what Alexa cannot use, in the words the end pages show', async () => {
      const cases: [FakeReply, string][] = [
        [{ json: { token_type: 'Bearer' } }, 'the token response has no access_token'],
        [{ json: { ...tokens, access_token: '' } }, 'the token response has no access_token'],
        [{ json: { ...tokens, token_type: 'DPoP' } }, 'the token response is not a Bearer token'],
        [{ json: { ...tokens, token_type: 'mac' } }, 'the token response is not a Bearer token'],
        [{ json: { access_token: 'a' } }, 'the token response is not a Bearer token'],
        [{ json: { ...tokens, expires_in: 0 } }, 'the token response has an unusable expires_in'],
        [{ json: { ...tokens, expires_in: 'soon' } }, 'the token response has an unusable expires_in'],
        [{ contentType: 'text/plain', text: 'access_token=a' }, 'the token response is not a JSON object'],
        [{ json: [tokens] }, 'the token response is not a JSON object'],
      ];
      for (const [reply, message] of cases) {
        const error = await linkWith(reply);
        expect(error, message).to.be.instanceOf(LinkingError).with.property('code', 'invalid_token_response');
        expect((error as LinkingError).message, JSON.stringify(reply)).to.equal(message);
      }
    });

    it('calls an http:// token endpoint only on loopback: anywhere else it refuses without sending anything', async () => {
      const error = await linkWith({ json: tokens }, { accessTokenUrl: new URL('http://auth.example/token') });
      expect(error).to.be.instanceOf(LinkingError).with.property('code', 'token_endpoint_unreachable');
      expect((error as LinkingError).message).to.match(/must be https:\/\//);
      expect(tokenServer.requests).to.have.length(0);
    });
  });

  describe('client authentication (accountLinking.json accessTokenScheme)', () => {
    it('HTTP_BASIC: ID and secret form-encoded as URLSearchParams does, unreserved characters left as they are', async () => {
      await linkWith({ json: tokens }, { clientId: 'alexa-ride.hailer_1*', clientSecret: 'p~s s:ü' });
      const basic = tokenServer.requests[0]!.headers.authorization!;
      expect(Buffer.from(basic.replace(/^Basic /, ''), 'base64').toString()).to.equal('alexa-ride.hailer_1*:p%7Es+s%3A%C3%BC');
      expect(formOf(tokenServer.requests[0]!.body)).not.to.have.property('client_secret');
    });

    it('REQUEST_BODY_CREDENTIALS: both in the body, no Authorization header', async () => {
      await linkWith({ json: tokens }, { accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' });
      expect(tokenServer.requests[0]!.headers.authorization).to.equal(undefined);
      expect(formOf(tokenServer.requests[0]!.body)).to.include({ client_id: 'alexa-ride-hailer', client_secret: 'demo-only-client-secret' });
    });
  });

  describe('revocation (the testers\' "revoke at the authorization server")', () => {
    const linked: StoredLink = { accessToken: 'a0', tokenType: 'Bearer', refreshToken: 'r0', expiresAt: '2030-01-01T13:00:00.000Z', linkedAt: '2030-01-01T12:00:00.000Z' };

    it('revokes the refresh token with the client credentials and marks the access token expired', async () => {
      const store = new MemoryTokenStore(linked);
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store, now: manualClock().now });
      tokenServer.respond = () => ({ text: '' });
      await linker.revokeAtServer(new URL('/revoke', tokenServer.url));
      const [request] = tokenServer.requests;
      expect(request?.path).to.equal('/revoke');
      expect(formOf(request!.body)).to.deep.equal({ token: 'r0', token_type_hint: 'refresh_token' });
      expect(request?.headers.authorization).to.match(/^Basic /);
      expect(Date.parse((await store.load())!.expiresAt)).to.be.below(Date.parse('2030-01-01T12:00:00.000Z'));
    });

    it('says what the revocation endpoint answered when it refuses', async () => {
      const linker = new AccountLinker({ config: linkingConfigFor(tokenServer.url), store: new MemoryTokenStore(linked) });
      tokenServer.respond = () => ({ status: 401, json: { error: 'invalid_client' } });
      const error = await linker.revokeAtServer(new URL('/revoke', tokenServer.url)).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LinkingError).with.property('message', 'the revocation endpoint answered 401');
    });
  });
});
