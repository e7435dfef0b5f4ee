/**
 * /callback beyond the refusals of callback-refusals.test.ts: a state minted before the configuration changed, and the
 * implicit grant's exchange at the upstream (bridge/routes/callback.ts), each outcome with what Alexa's redirect
 * carries and the `bridge.callback` line. The upstream is scripted (bridge/core.ts without HTTP).
 */
import { expect } from 'chai';
import { s256 } from '../../bridge/keys.js';
import { authorizeUpstream, callBack, startCoreBridge, type CoreBridge } from './core-harness.js';
import { IMPLICIT_REDIRECT } from './helpers.js';

describe('bridge /callback: configuration changes and the implicit exchange', () => {
  let core: CoreBridge;
  beforeEach(async () => {
    core = await startCoreBridge();
  });
  afterEach(() => core?.close());

  /** The callback's answer and the bridge.callback lines it logged (profile left out). */
  async function callbackWith(upstream: URL, params?: Record<string, string>) {
    const since = core.logger.lines.length;
    const answer = await callBack(core, upstream, params);
    return { answer, lines: core.logged('bridge.callback', since).map(({ profile: _profile, ...fields }) => fields) };
  }
  const implicitUpstream = () => authorizeUpstream(core, { response_type: 'token', redirect_uri: IMPLICIT_REDIRECT });
  /** The parameters in the fragment of Alexa's implicit redirect URI. */
  const fragment = (location: string) => {
    expect(location.startsWith(`${IMPLICIT_REDIRECT}#`), location).to.equal(true);
    return Object.fromEntries(new URLSearchParams(new URL(location).hash.slice(1)));
  };

  it('a state minted for a client ID no longer configured (same key): the page saying so, no redirect', async () => {
    const upstream = await authorizeUpstream(core);
    const renamed = await startCoreBridge({ BRIDGE_CLIENT_ID: 'the-renamed-skill' });
    try {
      const since = renamed.logger.lines.length;
      const answer = await callBack(renamed, upstream);
      expect([answer.status, answer.headers.location]).to.deep.equal([400, undefined]);
      expect(answer.body).to.contain('<title>Link request no longer valid</title>').and.contain('This skill is no longer set up to receive this sign-in.');
      expect(renamed.logged('bridge.callback', since).map(({ profile: _profile, ...fields }) => fields)).to.deep.equal([
        { outcome: 'refused_page', reason: 'client or redirect URI of the state no longer configured' },
      ]);
    } finally {
      await renamed.close();
    }
  });

  it('implicit: exchanges the code once with the bridge’s own PKCE verifier, and puts the access token in the fragment', async () => {
    const upstream = await implicitUpstream();
    const { answer, lines } = await callbackWith(upstream);
    expect(core.upstreamCalls).to.have.length(1);
    const [{ grant, params }] = core.upstreamCalls as [(typeof core.upstreamCalls)[number]];
    expect(grant).to.equal('authorization_code');
    expect(params.code).to.equal('upstream-code');
    expect(s256(params.code_verifier!)).to.equal(upstream.searchParams.get('code_challenge'));
    expect(fragment(answer.headers.location!)).to.deep.equal({ state: 'alexa-state', access_token: 'upstream-at', token_type: 'Bearer', expires_in: '3600' });
    expect(lines).to.deep.equal([{ outcome: 'token_issued', responseType: 'token' }]);
  });

  it('implicit with a profile that sends no PKCE upstream: no challenge at /authorize, no code_verifier at the exchange', async () => {
    core.config.profile = { ...core.config.profile, upstreamPkce: false };
    const upstream = await implicitUpstream();
    expect(upstream.searchParams.has('code_challenge')).to.equal(false);
    await callbackWith(upstream);
    expect(core.upstreamCalls.map((call) => call.params)).to.deep.equal([{ code: 'upstream-code', redirect_uri: `${core.config.publicUrl}/callback` }]);
  });

  it('implicit, the upstream refusing the code: server_error in the fragment, the refusal logged', async () => {
    core.upstream = async () => ({ kind: 'refused', error: 'invalid_grant', detail: 'code xyz unknown' });
    const { answer, lines } = await callbackWith(await implicitUpstream());
    expect(fragment(answer.headers.location!)).to.deep.equal({ state: 'alexa-state', error: 'server_error' });
    expect(lines).to.deep.equal([{ outcome: 'exchange_refused', error: 'invalid_grant' }]);
  });

  it('implicit, the upstream unavailable: temporarily_unavailable in the fragment, the reason logged', async () => {
    core.upstream = async () => ({ kind: 'unavailable', reason: 'status 503' });
    const { answer, lines } = await callbackWith(await implicitUpstream());
    expect(fragment(answer.headers.location!)).to.deep.equal({ state: 'alexa-state', error: 'temporarily_unavailable' });
    expect(lines).to.deep.equal([{ outcome: 'exchange_unavailable', reason: 'status 503' }]);
  });
});
