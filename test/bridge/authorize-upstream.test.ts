/**
 * The upstream authorization request /authorize builds (bridge/routes/authorize.ts): the scopes Alexa asked for,
 * and none at all when it asked for none — not even one written into BRIDGE_UPSTREAM_AUTHORIZATION_URL.
 */
import { expect } from 'chai';
import { authorizeUpstream, startCoreBridge } from './core-harness.js';
import { BRIDGE_CLIENT, CODE_REDIRECT, pkcePair } from './helpers.js';

describe('bridge /authorize: the scope sent upstream', () => {
  it('Alexa’s scopes, space-separated; with an empty or no scope, no scope parameter even if the authorization URL had one', async () => {
    const core = await startCoreBridge({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: 'http://127.0.0.1:9/auth?scope=admin&audience=rides' });
    try {
      const asked = await authorizeUpstream(core, { scope: 'order_car basic_profile' });
      expect(asked.searchParams.getAll('scope')).to.deep.equal(['order_car basic_profile']);
      const empty = await authorizeUpstream(core, { scope: '' });
      expect(empty.searchParams.has('scope')).to.equal(false);
      expect(empty.searchParams.get('audience')).to.equal('rides');
      const absent = await core.get('/authorize', { client_id: BRIDGE_CLIENT.clientId, response_type: 'code', redirect_uri: CODE_REDIRECT, state: 's' });
      expect(absent.status).to.equal(302);
      expect(new URL(absent.headers.location!).searchParams.has('scope')).to.equal(false);
    } finally {
      await core.close();
    }
  });
});

describe('bridge /authorize: the redirect upstream in the log', () => {
  it('says whether Alexa sent a PKCE challenge, and which response_type', async () => {
    const core = await startCoreBridge();
    try {
      await authorizeUpstream(core, { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
      await authorizeUpstream(core);
      expect(core.logged('bridge.authorize').map(({ profile: _profile, ...fields }) => fields)).to.deep.equal([
        { outcome: 'redirected_upstream', responseType: 'code', alexaPkce: true },
        { outcome: 'redirected_upstream', responseType: 'code', alexaPkce: false },
      ]);
    } finally {
      await core.close();
    }
  });
});
