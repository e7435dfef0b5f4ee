/**
 * Client authentication at /token (bridge/client-auth.ts, RFC 6749 §2.3.1): Basic or the body, never both; each
 * refusal with its status, whether the 401 carries the Basic challenge (only when the client tried Basic, §5.2), and
 * the reason in the `bridge.token` line. An authenticated client is seen getting past to the grant: an unknown bridge
 * refresh token, which is looked up and refused by the bridge itself (`refused`, its reason).
 */
import { expect } from 'chai';
import { basicAuth, startCoreBridge, type CoreBridge } from './core-harness.js';
import { BRIDGE_CLIENT } from './helpers.js';

const GRANT = { grant_type: 'refresh_token', refresh_token: 'brt_unknown' };
const BODY_CREDENTIALS = { client_id: BRIDGE_CLIENT.clientId, client_secret: BRIDGE_CLIENT.clientSecret };
const CHALLENGE = 'Basic realm="bridge", charset="UTF-8"';

describe('bridge /token: client authentication', () => {
  let core: CoreBridge;
  before(async () => {
    core = await startCoreBridge();
  });
  after(() => core?.close());

  /** Status, error, the WWW-Authenticate header and the one bridge.token line (profile and grant left out). */
  async function attempt(form: Record<string, string>, headers: Record<string, string>) {
    const since = core.logger.lines.length;
    const answer = await core.postToken(form, headers);
    const lines = core.logged('bridge.token', since);
    expect(lines).to.have.length(1);
    const { profile: _profile, grant: _grant, ...logged } = lines[0]!;
    return { status: answer.status, error: (JSON.parse(answer.body) as { error?: string }).error, challenge: answer.headers['www-authenticate'], logged };
  }
  const refused = (status: number, error: string, reason: string, challenge?: string) => ({ status, error, challenge, logged: { outcome: 'refused', error, reason } });
  const authenticated = { status: 400, error: 'invalid_grant', challenge: undefined, logged: { outcome: 'refused', error: 'invalid_grant', reason: 'unknown or expired refresh token' } };

  it('accepts Basic (form-encoded, any case, spaces around) and the body, each on its own', async () => {
    const [, credentials] = basicAuth().split(' ');
    expect(await attempt(GRANT, { authorization: basicAuth() })).to.deep.equal(authenticated);
    expect(await attempt(GRANT, { authorization: `basic   ${credentials}  ` })).to.deep.equal(authenticated);
    expect(await attempt({ ...GRANT, ...BODY_CREDENTIALS }, {})).to.deep.equal(authenticated);
    // An empty Authorization header is no attempt at Basic: the body's credentials count.
    expect(await attempt({ ...GRANT, ...BODY_CREDENTIALS }, { authorization: '' })).to.deep.equal(authenticated);
    // A client_id in the body beside Basic is fine when it names the same client.
    expect(await attempt({ ...GRANT, client_id: BRIDGE_CLIENT.clientId }, { authorization: basicAuth() })).to.deep.equal(authenticated);
  });

  it('refuses credentials in the header and the body at once: 400 invalid_request, no challenge', async () => {
    expect(await attempt({ ...GRANT, ...BODY_CREDENTIALS }, { authorization: basicAuth() })).to.deep.equal(
      refused(400, 'invalid_request', 'client credentials both in the header and in the body'),
    );
  });

  it('refuses a body client_id that names another client than Basic: 400 invalid_request', async () => {
    expect(await attempt({ ...GRANT, client_id: 'someone-else' }, { authorization: basicAuth() })).to.deep.equal(
      refused(400, 'invalid_request', 'client_id in the body differs from the header'),
    );
  });

  it('refuses a malformed Authorization header with 401 and the Basic challenge', async () => {
    const malformed = [
      'Bearer some-token',
      'Basic',
      'Basic not base64!',
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      `Basic ${Buffer.from(`${BRIDGE_CLIENT.clientId}:%ZZ`).toString('base64')}`, // not percent-decodable
      `Basic ${Buffer.from('%E0%A4%A:secret').toString('base64')}`,
    ];
    for (const authorization of malformed) {
      expect(await attempt(GRANT, { authorization }), authorization).to.deep.equal(refused(401, 'invalid_client', 'malformed Authorization header', CHALLENGE));
    }
  });

  it('refuses a body with only an ID or only a secret: 401 without a challenge (the client did not try Basic)', async () => {
    for (const form of [{ client_id: BRIDGE_CLIENT.clientId }, { client_secret: BRIDGE_CLIENT.clientSecret }, {}] as Record<string, string>[]) {
      expect(await attempt({ ...GRANT, ...form }, {})).to.deep.equal(refused(401, 'invalid_client', 'no client credentials'));
    }
  });

  it('refuses a wrong secret or an unknown client: 401, with the challenge only after Basic', async () => {
    const reason = 'unknown client or wrong secret';
    expect(await attempt(GRANT, { authorization: basicAuth(BRIDGE_CLIENT.clientId, 'wrong') })).to.deep.equal(refused(401, 'invalid_client', reason, CHALLENGE));
    expect(await attempt(GRANT, { authorization: basicAuth('someone-else', BRIDGE_CLIENT.clientSecret) })).to.deep.equal(refused(401, 'invalid_client', reason, CHALLENGE));
    expect(await attempt({ ...GRANT, ...BODY_CREDENTIALS, client_secret: 'wrong' }, {})).to.deep.equal(refused(401, 'invalid_client', reason));
    expect(await attempt({ ...GRANT, ...BODY_CREDENTIALS, client_id: 'someone-else' }, {})).to.deep.equal(refused(401, 'invalid_client', reason));
  });
});
