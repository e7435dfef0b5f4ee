/**
 * The upstream's redirect back to /callback, each way it can go wrong, named: a state the bridge cannot use is a page
 * (no redirect anywhere: nothing in the request can be trusted to say where) with a `refused_page` line; an upstream
 * that answers with an error or with nothing usable goes back to Alexa with an RFC 6749 code, never its own words.
 */
import { expect } from 'chai';
import { CODE_REDIRECT, PUBLIC_URL, get, startAuthorization, startTestBridge, withOneLogLine, type TestBridge } from './helpers.js';

describe('bridge /callback: refusals', () => {
  let t: TestBridge;
  before(async () => {
    t = await startTestBridge({});
  });
  after(() => t?.close());

  /** The upstream's redirect to the bridge with these parameters, the answer, and the one bridge.callback line. */
  async function callBack(params: Record<string, string>) {
    const { result: answer, logged } = await withOneLogLine(t, 'bridge.callback', () => get(`${t.bridge.url}/callback?${new URLSearchParams(params)}`));
    const { profile: _profile, ...rest } = logged;
    return { answer, logged: rest };
  }
  const upstreamState = async () => {
    const upstream = await startAuthorization(t.bridge);
    expect(upstream.searchParams.get('redirect_uri')).to.equal(`${PUBLIC_URL}/callback`);
    return upstream.searchParams.get('state')!;
  };

  it('a state it did not seal: a page, not a redirect', async () => {
    const { answer, logged } = await callBack({ code: 'c', state: 'forged' });
    expect(answer.status).to.equal(400);
    expect(answer.location).to.equal(null);
    expect(answer.text).to.contain('<title>Link request expired</title>').and.contain('This sign-in could not be matched to a link request, or it took too long.');
    expect(logged).to.deep.equal({ outcome: 'refused_page', reason: 'state missing, invalid or expired' });
  });

  it('a state used twice: the second is a page saying the sign-in was completed', async () => {
    const state = await upstreamState();
    const first = await callBack({ code: 'upstream-code', state });
    expect(first.answer.status).to.equal(302);
    expect(first.answer.location!.startsWith(`${CODE_REDIRECT}?`)).to.equal(true);
    const again = await callBack({ code: 'upstream-code', state });
    expect(again.answer.status).to.equal(400);
    expect(again.answer.text).to.contain('<title>Link request already used</title>').and.contain('This sign-in has already been completed.');
    expect(again.logged).to.deep.equal({ outcome: 'refused_page', reason: 'state replayed' });
  });

  it('the upstream\'s error goes back to Alexa as an RFC 6749 code, with Alexa\'s state and never the provider\'s words', async () => {
    const { answer, logged } = await callBack({ error: 'access_denied', error_description: 'The user said no <script>', state: await upstreamState() });
    const back = new URL(answer.location!);
    expect(back.searchParams.get('error')).to.equal('access_denied');
    expect(back.searchParams.get('state')).to.equal('alexa-state-123');
    expect(answer.location).to.not.contain('script');
    expect(logged).to.include({ outcome: 'upstream_error', error: 'access_denied' });
  });

  it('a redirect with neither a code nor an error: server_error back to Alexa', async () => {
    const { answer, logged } = await callBack({ state: await upstreamState() });
    expect(new URL(answer.location!).searchParams.get('error')).to.equal('server_error');
    expect(logged).to.deep.equal({ outcome: 'upstream_error', error: 'server_error', reason: 'neither code nor error' });
  });
});
