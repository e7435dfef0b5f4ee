/**
 * bridge/core.ts, the bridge without HTTP: which path answers which method, and a route that throws — never a stack
 * trace or the error's message, in the answer or the log; at /token an answer Alexa retries rather than one that
 * unlinks the user.
 */
import { expect } from 'chai';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import { authorizeUpstream, bridgeCode, callBack, startCoreBridge, type CoreBridge } from './core-harness.js';
import { CODE_REDIRECT, IMPLICIT_REDIRECT } from './helpers.js';

describe('bridge core: routing and a route that throws', () => {
  let core: CoreBridge;
  beforeEach(async () => {
    core = await startCoreBridge();
  });
  afterEach(() => core?.close());

  const request = (method: string, path: string) => core.bridge.handle({ method, path, query: new URLSearchParams(), headers: {}, body: '' });

  it('answers an unknown path with a JSON 404, and a known path with the wrong method with 405 and Allow', async () => {
    const missing = await request('GET', '/nope');
    expect([missing.status, JSON.parse(missing.body), missing.headers['cache-control']]).to.deep.equal([404, { error: 'not_found' }, 'no-store']);
    for (const [method, path, allow] of [['POST', '/authorize', 'GET'], ['GET', '/token', 'POST'], ['HEAD', '/callback', 'GET'], ['POST', '/healthz', 'GET']]) {
      const answer = await request(method!, path!);
      expect([answer.status, JSON.parse(answer.body), answer.headers.allow], `${method} ${path}`).to.deep.equal([405, { error: 'method_not_allowed' }, allow]);
    }
    for (const method of ['GET', 'HEAD']) {
      const health = await request(method, '/healthz');
      expect([health.status, JSON.parse(health.body)]).to.deep.equal([200, { status: 'ok' }]);
    }
  });

  it('closes its store when it is closed', async () => {
    const store = new SqliteBridgeStore(':memory:');
    const own = await startCoreBridge({}, { store });
    expect(store.db.isOpen).to.equal(true);
    await own.close();
    expect(store.db.isOpen).to.equal(false);
  });

  /** An upstream client that throws (a bug, not an answer): the message must go nowhere. */
  const throwingUpstream = async (): Promise<never> => {
    throw new RangeError('upstream client bug near secret-value-123');
  };

  it('at /token: 503 temporarily_unavailable with Retry-After, logged with the path and the error name only', async () => {
    const code = await bridgeCode(core);
    core.upstream = throwingUpstream;
    const since = core.logger.lines.length;
    const answer = await core.postToken({ grant_type: 'authorization_code', code, redirect_uri: CODE_REDIRECT });
    expect([answer.status, JSON.parse(answer.body), answer.headers['retry-after']]).to.deep.equal([503, { error: 'temporarily_unavailable' }, '30']);
    expect(core.logged('bridge.unhandled_error', since)).to.deep.equal([{ path: '/token', errorName: 'RangeError' }]);
    expect(core.logger.lines.join('\n')).to.not.contain('secret-value-123');
  });

  it('at /callback: the 500 page, no redirect, logged with the path and the error name only', async () => {
    const upstream = await authorizeUpstream(core, { response_type: 'token', redirect_uri: IMPLICIT_REDIRECT });
    core.upstream = throwingUpstream;
    const since = core.logger.lines.length;
    const answer = await callBack(core, upstream);
    expect([answer.status, answer.headers.location, answer.headers['content-type']]).to.deep.equal([500, undefined, 'text/html; charset=utf-8']);
    expect(answer.body).to.contain('<title>Something went wrong</title>').and.contain('The link could not be completed.').and.not.contain('secret-value-123');
    expect(core.logged('bridge.unhandled_error', since)).to.deep.equal([{ path: '/callback', errorName: 'RangeError' }]);
  });
});
