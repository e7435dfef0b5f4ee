/**
 * Forged and misused access tokens, each sent the way Alexa would: inside a correctly signed request to the real
 * skill endpoint, whose jose verifier fetches the issuer's keys over HTTP. Every one must end in the re-link answer
 * (LinkAccount card), and the Ride Hailer API must never see the token. Header-borne key hints (jwk, jku, x5u) must
 * not make the endpoint fetch anything.
 */
import { expect } from 'chai';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { RequestEnvelope } from 'ask-sdk-model';
import { intent, launch } from '../support/envelopes.js';
import { startStubApi, type StubApi } from '../support/stub-api.js';
import { DEMO } from '../../local/demo.js';
import { ANN, isAlexaResponse, speechOf, startRecordingServer, startStack, type Running, type Stack } from './support.js';

const RIDE = { id: 'ride-1', status: 'on_the_way', etaMinutes: 4, destination: 'airport' };
const LINK_EXPIRED = /Your Ride Hailer link has expired\. Please link your account again/;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const seconds = () => Math.floor(Date.now() / 1000);

describe('token attacks through the signed skill endpoint', function () {
  this.timeout(30_000);

  let stack: Stack;
  let stub: StubApi;
  let trap: Running & { hits: string[] };
  let attacker: { privateKey: CryptoKey; publicJwk: JWK };
  const tokensSent: string[] = [];

  before(async () => {
    stub = await startStubApi();
    // Anything a forged token could unlock answers successfully here, so a token that got through would show.
    stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
    stub.script('GET', '/v1/me', { status: 200, body: ANN });
    stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
    stack = await startStack({ rideApiUrl: stub.url });
    const keys = await generateKeyPair('ES256', { extractable: true });
    attacker = { privateKey: keys.privateKey, publicJwk: { ...(await exportJWK(keys.publicKey)), kid: 'attacker-key', alg: 'ES256', use: 'sig' } };
    // Where jku/x5u point: it would hand out the attacker's key, and records whether anybody asked.
    trap = await startRecordingServer((req) =>
      req.url?.startsWith('/jwks') ? { status: 200, body: JSON.stringify({ keys: [attacker.publicJwk] }) } : { status: 404, body: '' },
    );
  });

  after(async () => {
    await stack?.close();
    await stub?.close();
    await trap?.close();
  });

  beforeEach(() => {
    stub.requests.length = 0;
    stub.unscripted.length = 0;
  });

  afterEach(() => {
    stub.verify();
    // Whatever happened, no token ever reaches a log line.
    for (const token of tokensSent) {
      for (const line of stack.endpoint.logLines) expect(line).not.to.contain(token);
    }
  });

  const forAnn = () => ({ iss: stack.issuer.issuer, aud: stack.issuer.audience, sub: ANN.id, scope: 'basic_profile order_car', iat: seconds(), exp: seconds() + 3600 });

  /** The requests a forged token is tried on: ordering (the costly one), the profile, and the launch greeting. */
  const requestsWith = (token: string): [string, RequestEnvelope][] => [
    ['OrderRideIntent', intent('OrderRideIntent', { token, slots: { destination: 'airport' } })],
    ['WhoAmIIntent', intent('WhoAmIIntent', { token })],
    ['LaunchRequest', launch({ token })],
  ];

  async function expectRelinkWithoutApiCall(token: string): Promise<void> {
    tokensSent.push(token);
    for (const [name, envelope] of requestsWith(token)) {
      const answer = await stack.endpoint.send(envelope);
      expect(answer.status, name).to.equal(200);
      expect(isAlexaResponse(answer.json), name).to.equal(true);
      expect(speechOf(answer.json), name).to.match(LINK_EXPIRED);
      expect(answer.json.response.card, name).to.deep.equal({ type: 'LinkAccount' });
      expect(answer.json.response.shouldEndSession, name).to.equal(true);
    }
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([]);
    expect(trap.hits).to.deep.equal([]);
  }

  it('orders a ride for a genuine token (the control: the stack does let good tokens through)', async () => {
    const token = await stack.issuer.token();
    tokensSent.push(token);
    const answer = await stack.endpoint.send(intent('OrderRideIntent', { token, slots: { destination: 'airport' } }));
    expect(answer.status).to.equal(200);
    expect(speechOf(answer.json)).to.match(/A car is on its way to take you to the airport/);
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal(['POST /v1/rides']);
    expect(stub.requests[0]!.headers.authorization).to.equal(`Bearer ${token}`);
    expect(stack.issuer.jwksFetches()).to.be.greaterThan(0);
  });

  it('refuses an unsigned token (alg "none")', async () => {
    const token = `${base64url({ alg: 'none', typ: 'at+jwt', kid: stack.issuer.kid })}.${base64url(forAnn())}.`;
    await expectRelinkWithoutApiCall(token);
  });

  for (const [form, secret] of [
    ['PEM', async () => exportSPKI(stack.issuer.publicKey)],
    ['JWK', async () => JSON.stringify(stack.issuer.publicJwk)],
  ] as const) {
    it(`refuses an HS256 token whose HMAC key is the issuer's public key (${form} bytes)`, async () => {
      const key = new TextEncoder().encode(await secret());
      const token = await new SignJWT(forAnn()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: stack.issuer.kid }).sign(key);
      await expectRelinkWithoutApiCall(token);
    });
  }

  it('refuses a token signed by a key not in the JWKS that reuses our kid', async () => {
    const token = await stack.issuer.token({}, { kid: stack.issuer.kid }, attacker.privateKey);
    await expectRelinkWithoutApiCall(token);
  });

  it('ignores an embedded jwk header: a token signed by the key it carries is refused', async () => {
    for (const kid of [stack.issuer.kid, undefined]) {
      const header = { jwk: { kty: attacker.publicJwk.kty, crv: attacker.publicJwk.crv, x: attacker.publicJwk.x, y: attacker.publicJwk.y }, kid };
      await expectRelinkWithoutApiCall(await stack.issuer.token({}, header, attacker.privateKey));
    }
  });

  it('never follows a jku header to fetch keys (the loopback server it names gets no request)', async () => {
    for (const kid of ['attacker-key', stack.issuer.kid]) {
      await expectRelinkWithoutApiCall(await stack.issuer.token({}, { jku: `${trap.url}/jwks`, kid }, attacker.privateKey));
    }
  });

  it('never follows an x5u header to fetch a certificate (the loopback server it names gets no request)', async () => {
    for (const kid of ['attacker-key', stack.issuer.kid]) {
      await expectRelinkWithoutApiCall(await stack.issuer.token({}, { x5u: `${trap.url}/cert.pem`, kid }, attacker.privateKey));
    }
  });

  it('refuses a genuinely signed token for another audience', async () => {
    await expectRelinkWithoutApiCall(await stack.issuer.token({ aud: 'https://api.someone-else.example' }));
  });

  it('refuses a genuinely signed token from another issuer', async () => {
    await expectRelinkWithoutApiCall(await stack.issuer.token({ iss: 'https://evil.example' }));
  });

  it('refuses a genuinely signed token whose typ is not at+jwt', async () => {
    for (const typ of ['JWT', 'dpop+jwt']) await expectRelinkWithoutApiCall(await stack.issuer.token({}, { typ }));
  });

  it('refuses a token that expired beyond the clock tolerance', async () => {
    await expectRelinkWithoutApiCall(await stack.issuer.token({ iat: seconds() - 7200, exp: seconds() - 60 }));
  });

  it('refuses a token whose nbf lies in the future', async () => {
    await expectRelinkWithoutApiCall(await stack.issuer.token({ nbf: seconds() + 3600 }));
  });

  it('refuses an ID token presented as an access token (typ JWT, aud = the client id)', async () => {
    const idToken = await stack.issuer.token(
      { scope: undefined, aud: DEMO.clientId, azp: DEMO.clientId, nonce: 'n-0S6_WzA2Mj', auth_time: seconds() - 60, name: ANN.name, email: ANN.email },
      { typ: 'JWT' },
    );
    await expectRelinkWithoutApiCall(idToken);
  });
});
