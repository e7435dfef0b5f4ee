/**
 * Every refusal at /token before the upstream is asked: the answer Alexa gets (status, RFC 6749 code, no-store) and
 * the one log line an operator reads (`bridge.token`, outcome `refused`, the code and the reason) — named, so a
 * refusal that answers right but logs nothing, or the wrong thing, is caught.
 */
import { expect } from 'chai';
import { BRIDGE_CLIENT, startTestBridge, tokenRequest, withOneLogLine, type TestBridge } from './helpers.js';

interface Refusal {
  status: number;
  error: string;
  /** The log line's fields beyond event and outcome. */
  logged: Record<string, string>;
}

describe('bridge /token: refusals before the upstream is asked', () => {
  let t: TestBridge;
  before(async () => {
    t = await startTestBridge({});
  });
  after(() => t?.close());

  /** The answer and the one refusal line the request added to the log. */
  async function refused(send: () => Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>): Promise<Refusal> {
    const { result: answer, logged } = await withOneLogLine(t, 'bridge.token', send);
    expect(answer.headers.get('cache-control')).to.equal('no-store');
    const { profile, outcome, ...rest } = logged;
    expect({ profile, outcome }).to.deep.equal({ profile: 'oidc', outcome: 'refused' });
    return { status: answer.status, error: String(answer.body.error), logged: rest as Record<string, string> };
  }

  it('a body that is not form-encoded', async () => {
    const answer = await refused(async () => {
      const response = await fetch(`${t.bridge.url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"refresh_token"}' });
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
    });
    expect(answer).to.deep.equal({ status: 400, error: 'invalid_request', logged: { grant: 'unknown', error: 'invalid_request', reason: 'not form-encoded' } });
  });

  it('a repeated parameter', async () => {
    const answer = await refused(async () => {
      const body = 'grant_type=refresh_token&refresh_token=a&refresh_token=a';
      const basic = Buffer.from(`${BRIDGE_CLIENT.clientId}:x`).toString('base64');
      const response = await fetch(`${t.bridge.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` }, body });
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
    });
    expect(answer).to.deep.equal({ status: 400, error: 'invalid_request', logged: { grant: 'unknown', error: 'invalid_request', reason: 'repeated parameter' } });
  });

  // RFC 6749 §3.2: no parameter may repeat, even with the same value (with two codes or two redirect URIs there is
  // no telling which one was checked). Each one on its own, with otherwise valid credentials.
  for (const name of ['grant_type', 'code', 'redirect_uri', 'refresh_token', 'code_verifier', 'client_id', 'client_secret']) {
    it(`a repeated ${name}, even with equal values, before the client is authenticated`, async () => {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'brt_x', client_id: BRIDGE_CLIENT.clientId, client_secret: BRIDGE_CLIENT.clientSecret });
      const value = form.get(name) ?? 'a-value';
      form.delete(name);
      form.append(name, value);
      form.append(name, value);
      const answer = await refused(async () => {
        const response = await fetch(`${t.bridge.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
        return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
      });
      expect(answer).to.deep.equal({ status: 400, error: 'invalid_request', logged: { grant: 'unknown', error: 'invalid_request', reason: 'repeated parameter' } });
    });
  }

  it('a wrong client secret: 401 with the Basic challenge, the reason logged, never the secret', async () => {
    const before = t.logger.lines.length;
    const answer = await refused(() => tokenRequest(t.bridge, { grant_type: 'refresh_token', refresh_token: 'brt_x' }, { clientSecret: 'not-the-secret-at-all' }));
    expect(answer.status).to.equal(401);
    expect(answer.error).to.equal('invalid_client');
    expect(answer.logged).to.include({ grant: 'unknown', error: 'invalid_client' });
    expect(answer.logged.reason).to.be.a('string').and.not.equal('');
    expect(t.logger.lines.slice(before).join('\n')).to.not.contain('not-the-secret-at-all');
  });

  it('no grant_type, and a grant the bridge does not know', async () => {
    expect(await refused(() => tokenRequest(t.bridge, {}))).to.deep.equal({ status: 400, error: 'invalid_request', logged: { grant: 'missing', error: 'invalid_request' } });
    expect(await refused(() => tokenRequest(t.bridge, { grant_type: 'password' }))).to.deep.equal({
      status: 400,
      error: 'unsupported_grant_type',
      logged: { grant: 'password', error: 'unsupported_grant_type' },
    });
  });

  it('a code grant without a code, and with a code the bridge did not seal', async () => {
    expect(await refused(() => tokenRequest(t.bridge, { grant_type: 'authorization_code' }))).to.deep.equal({
      status: 400,
      error: 'invalid_request',
      logged: { grant: 'authorization_code', error: 'invalid_request', reason: 'code missing' },
    });
    expect(await refused(() => tokenRequest(t.bridge, { grant_type: 'authorization_code', code: 'forged.code' }))).to.deep.equal({
      status: 400,
      error: 'invalid_grant',
      logged: { grant: 'authorization_code', error: 'invalid_grant', reason: 'code invalid or expired' },
    });
  });
});
