/**
 * /token once a code or a bridge refresh token is in hand: each refusal with the reason an operator reads in the
 * `bridge.token` line, each upstream outcome with the answer Alexa gets and its line (the error mapping at the top of
 * bridge/routes/token.ts), and a link that cannot be stored. The upstream is scripted (bridge/core.ts without HTTP).
 */
import { expect } from 'chai';
import { s256 } from '../../bridge/keys.js';
import type { LinkRecord } from '../../bridge/store/store.js';
import { SqliteBridgeStore } from '../../bridge/store/sqlite.js';
import { basicAuth, bridgeCode, startCoreBridge, TOKENS, type CoreBridge } from './core-harness.js';
import { CODE_REDIRECT, pkcePair } from './helpers.js';

describe('bridge /token: outcomes after the code or refresh token is opened', () => {
  let core: CoreBridge;
  beforeEach(async () => {
    core = await startCoreBridge();
  });
  afterEach(() => core?.close());

  /** POSTs the form; returns the status, the body and the bridge.token lines it logged (profile left out). */
  async function token(form: Record<string, string>, headers?: Record<string, string>) {
    const since = core.logger.lines.length;
    const answer = await core.postToken(form, headers);
    const lines = core.logged('bridge.token', since).map(({ profile: _profile, ...fields }) => fields);
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown>, headers: answer.headers, lines };
  }
  const codeGrant = (code: string, extra: Record<string, string> = {}) => token({ grant_type: 'authorization_code', code, redirect_uri: CODE_REDIRECT, ...extra });
  const refreshGrant = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const refusedLine = (grant: string, error: string, reason: string) => [{ grant, outcome: 'refused', error, reason }];

  describe('code grant refusals, each with its reason, the code left unspent', () => {
    it('a redirect_uri other than the one the code was issued for', async () => {
      const code = await bridgeCode(core);
      const answer = await codeGrant(code, { redirect_uri: 'https://layla.amazon.com/api/skill/link/X' });
      expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
      expect(answer.lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'redirect_uri differs from the authorization request'));
      expect((await codeGrant(code)).status).to.equal(200);
    });

    it('a code_verifier for a code issued without a challenge (a PKCE downgrade)', async () => {
      const code = await bridgeCode(core);
      const answer = await codeGrant(code, { code_verifier: pkcePair().verifier });
      expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
      expect(answer.lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'code_verifier for a code issued without code_challenge'));
    });

    it('no code_verifier for a code issued with a challenge, a wrong one, and one that hashes right but is too short', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await bridgeCode(core, { code_challenge: challenge, code_challenge_method: 'S256' });
      expect((await codeGrant(code)).lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'code_verifier missing'));
      expect((await codeGrant(code, { code_verifier: pkcePair().verifier })).lines).to.deep.equal(
        refusedLine('authorization_code', 'invalid_grant', 'code_verifier does not match'),
      );
      // RFC 7636 §4.1: 43 to 128 characters; a short verifier is refused even when its hash is the challenge.
      const short = 'short-verifier';
      const shortCode = await bridgeCode(core, { code_challenge: s256(short), code_challenge_method: 'S256' });
      expect((await codeGrant(shortCode, { code_verifier: short })).lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'code_verifier does not match'));
      expect((await codeGrant(code, { code_verifier: verifier })).status).to.equal(200);
    });

    it('a code issued to the client ID configured before (same key): invalid_grant, not a link for the new client', async () => {
      const code = await bridgeCode(core);
      const renamed = await startCoreBridge({ BRIDGE_CLIENT_ID: 'the-renamed-skill' });
      try {
        const since = renamed.logger.lines.length;
        const answer = await renamed.postToken({ grant_type: 'authorization_code', code, redirect_uri: CODE_REDIRECT }, { authorization: basicAuth('the-renamed-skill') });
        expect([answer.status, JSON.parse(answer.body)]).to.deep.equal([400, { error: 'invalid_grant' }]);
        expect(renamed.logged('bridge.token', since).map(({ profile: _p, ...fields }) => fields)).to.deep.equal(
          refusedLine('authorization_code', 'invalid_grant', 'code issued to another client'),
        );
        expect(renamed.upstreamCalls).to.have.length(0);
      } finally {
        await renamed.close();
      }
    });
  });

  describe('a code redeemed twice', () => {
    it('one after the other: the replay revokes the link (logged so), a third attempt finds nothing left to revoke', async () => {
      const code = await bridgeCode(core);
      const first = await codeGrant(code);
      expect(first.lines).to.deep.equal([{ grant: 'authorization_code', outcome: 'issued', refresh: 'bridge' }]);
      const replay = await codeGrant(code);
      expect([replay.status, replay.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
      expect(replay.lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'code already used: the link it issued is revoked'));
      expect((await codeGrant(code)).lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'code already used'));
      expect((await refreshGrant(first.body.refresh_token as string)).status).to.equal(400);
      expect(core.upstreamCalls).to.have.length(1);
    });

    it('the replay arriving while the first is at the upstream: neither gets a link, each says why', async () => {
      const code = await bridgeCode(core);
      let release!: () => void;
      const atUpstream = new Promise<void>((resolve) => {
        core.upstream = async () => {
          resolve();
          await new Promise<void>((go) => (release = go));
          return TOKENS;
        };
      });
      const first = codeGrant(code);
      await atUpstream;
      const replay = await codeGrant(code);
      expect(replay.lines).to.deep.equal(refusedLine('authorization_code', 'invalid_grant', 'code already used'));
      release();
      const answer = await first;
      expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
      // The first request's lines span the replay's too: the replay's refusal, then its own.
      expect(answer.lines).to.deep.equal([
        ...refusedLine('authorization_code', 'invalid_grant', 'code already used'),
        ...refusedLine('authorization_code', 'invalid_grant', 'code replayed while it was redeemed: the link is revoked'),
      ]);
    });
  });

  it('an upstream that issues no refresh token: the access token alone, logged as refresh none', async () => {
    core.upstream = async () => ({ kind: 'tokens', accessToken: 'upstream-at' });
    const answer = await codeGrant(await bridgeCode(core));
    expect([answer.status, answer.body]).to.deep.equal([200, { access_token: 'upstream-at', token_type: 'Bearer' }]);
    expect(answer.lines).to.deep.equal([{ grant: 'authorization_code', outcome: 'issued', refresh: 'none' }]);
  });

  it('a link that cannot be stored: 503 temporarily_unavailable (never a refresh token that leads nowhere), logged without the error text', async () => {
    class FailingStore extends SqliteBridgeStore {
      override async createLink(_link: LinkRecord): Promise<boolean> {
        throw new TypeError('disk full at /secret/path');
      }
    }
    await core.close();
    core = await startCoreBridge({}, { store: new FailingStore(':memory:') });
    const since = core.logger.lines.length;
    const answer = await core.postToken({ grant_type: 'authorization_code', code: await bridgeCode(core), redirect_uri: CODE_REDIRECT });
    expect([answer.status, JSON.parse(answer.body), answer.headers['retry-after']]).to.deep.equal([503, { error: 'temporarily_unavailable' }, '30']);
    expect(core.logged('bridge.store_write_failed', since)).to.deep.equal([{ step: 'link', errorName: 'TypeError' }]);
    expect(core.logger.lines.join('\n')).to.not.contain('disk full');
  });

  describe('refresh grant', () => {
    it('without a refresh_token, or an empty one: invalid_request, the upstream never asked', async () => {
      for (const form of [{ grant_type: 'refresh_token' }, { grant_type: 'refresh_token', refresh_token: '' }] as Record<string, string>[]) {
        const answer = await token(form);
        expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_request' }]);
        expect(answer.lines).to.deep.equal(refusedLine('refresh_token', 'invalid_request', 'refresh_token missing'));
      }
      expect(core.upstreamCalls).to.have.length(0);
    });

    it('a token that is not the bridge’s (no brt_ prefix, or over 100 characters) is refused before any lookup', async () => {
      for (const refreshToken of ['upstream-rt', `brt_${'a'.repeat(97)}`]) {
        const answer = await refreshGrant(refreshToken);
        expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
        expect(answer.lines).to.deep.equal(refusedLine('refresh_token', 'invalid_grant', 'not a bridge refresh token'));
      }
      // 100 characters is still a bridge token's shape: looked up, and unknown.
      const looked = await refreshGrant(`brt_${'a'.repeat(96)}`);
      expect([looked.status, looked.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
      // Refused by the bridge itself, and logged as such: the upstream was never asked.
      expect(looked.lines).to.deep.equal(refusedLine('refresh_token', 'invalid_grant', 'unknown or expired refresh token'));
      expect(core.upstreamCalls).to.have.length(0);
    });

    async function linked(): Promise<string> {
      const answer = await codeGrant(await bridgeCode(core));
      expect(answer.status).to.equal(200);
      return answer.body.refresh_token as string;
    }

    it('tokens: 200 with the upstream access token, logged with where the answer came from', async () => {
      const bridgeToken = await linked();
      core.upstream = async () => ({ ...TOKENS, accessToken: 'upstream-at-2' });
      const answer = await refreshGrant(bridgeToken);
      expect([answer.status, answer.body.access_token]).to.deep.equal([200, 'upstream-at-2']);
      expect(answer.lines).to.have.length(1);
      expect(answer.lines[0]).to.include({ grant: 'refresh_token', outcome: 'issued' }).and.to.have.property('source').that.is.a('string').and.not.equal('');
    });

    it('the upstream refusing the grant: 400 invalid_grant, logged with the code only (never the provider’s detail)', async () => {
      const bridgeToken = await linked();
      core.upstream = async () => ({ kind: 'refused', error: 'invalid_grant', detail: 'token abc123 revoked' });
      const answer = await refreshGrant(bridgeToken);
      expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_grant' }]);
      expect(answer.lines).to.deep.equal([{ grant: 'refresh_token', outcome: 'upstream_refused', error: 'invalid_grant' }]);
    });

    it('the upstream refusing the scope: 400 invalid_scope, a refusal of the grant like invalid_grant, not an outage', async () => {
      const bridgeToken = await linked();
      core.upstream = async () => ({ kind: 'refused', error: 'invalid_scope' });
      const answer = await refreshGrant(bridgeToken);
      expect([answer.status, answer.body]).to.deep.equal([400, { error: 'invalid_scope' }]);
      expect(answer.lines).to.deep.equal([{ grant: 'refresh_token', outcome: 'upstream_refused', error: 'invalid_scope' }]);
    });

    it('the upstream refusing the bridge itself: 503, an error line that says what to check', async () => {
      const bridgeToken = await linked();
      core.upstream = async () => ({ kind: 'refused', error: 'invalid_client' });
      const since = core.logger.lines.length;
      const answer = await refreshGrant(bridgeToken);
      expect([answer.status, answer.body]).to.deep.equal([503, { error: 'temporarily_unavailable' }]);
      expect(answer.lines).to.deep.equal([
        { grant: 'refresh_token', outcome: 'upstream_refused_bridge', error: 'invalid_client', reason: 'the upstream refused the bridge itself: check BRIDGE_UPSTREAM_CLIENT_ID/SECRET and the profile' },
      ]);
      const levels = core.logger.lines.slice(since).map((line) => JSON.parse(line) as { event: string; level: string }).filter((r) => r.event === 'bridge.token');
      expect(levels.map((r) => r.level)).to.deep.equal(['error']);
    });

    it('the upstream unavailable: 503 with Retry-After, its reason logged and cut to 120 characters', async () => {
      const bridgeToken = await linked();
      core.upstream = async () => ({ kind: 'unavailable', reason: `timeout ${'x'.repeat(300)}` });
      const answer = await refreshGrant(bridgeToken);
      expect([answer.status, answer.body, answer.headers['retry-after']]).to.deep.equal([503, { error: 'temporarily_unavailable' }, '30']);
      expect(answer.lines).to.deep.equal([{ grant: 'refresh_token', outcome: 'upstream_unavailable', reason: `timeout ${'x'.repeat(112)}` }]);
    });
  });
});
