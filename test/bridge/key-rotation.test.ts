/**
 * Key rotation without unlinking anyone (issue 16, item 9): BRIDGE_KEY = the new key B, BRIDGE_PREVIOUS_KEYS = the
 * old key A. Sealed values name their key (`kid`); states, codes, stored tokens and answers sealed under A still
 * open; everything written is sealed under B; a link stored under A's id is found and moved to B's on its next
 * refresh, after which A may go.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CompactEncrypt, decodeProtectedHeader } from 'jose';
import { ConfigError, loadBridgeConfig } from '../../bridge/config.js';
import { deriveKeys, keyId, refreshTokenId, seal, unseal } from '../../bridge/keys.js';
import type { LinkRecord } from '../../bridge/store/store.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { bridgeEnv, callbackUrl, exchangeCode, expectNoSecretsIn, get, refresh, startAuthorization, startTestBridge, type TestBridge } from './helpers.js';

const newKey = () => randomBytes(32);
const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64url');

describe('bridge: key rotation (BRIDGE_KEY, BRIDGE_PREVIOUS_KEYS)', () => {
  describe('sealed values', () => {
    const A = newKey();
    const B = newKey();

    it('carry the key ID of the key that sealed them: short, derived, never the key', async () => {
      const sealed = await seal(deriveKeys(B, [A]).state, 'bridge-state', { x: 1 });
      const { kid } = decodeProtectedHeader(sealed);
      expect(kid).to.equal(keyId(B));
      expect(kid).to.match(/^[A-Za-z0-9_-]{8}$/);
      expect(keyId(A)).not.to.equal(keyId(B));
      for (const key of [A, B]) expect(sealed.includes(b64(key)) || b64(key).includes(kid as string)).to.equal(false);
    });

    it('sealed under a previous key they open while that key is listed, and not once it is dropped', async () => {
      const underA = await seal(deriveKeys(A).code, 'bridge-code', { x: 'a' });
      expect(await unseal(deriveKeys(B, [A]).code, 'bridge-code', underA)).to.deep.equal({ x: 'a' });
      expect(await unseal(deriveKeys(B, [newKey(), A]).code, 'bridge-code', underA)).to.deep.equal({ x: 'a' });
      expect(await unseal(deriveKeys(B).code, 'bridge-code', underA)).to.equal(undefined);
      // A key ID does not let one purpose's value open as another's.
      expect(await unseal(deriveKeys(B, [A]).state, 'bridge-code', underA)).to.equal(undefined);
    });

    it('sealed before key IDs existed (no kid) still open, under the current key or a previous one', async () => {
      const legacyKey = deriveKeys(A).storedToken.current.key;
      const legacy = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ x: 'old' })))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'bridge-stored-token' })
        .encrypt(legacyKey);
      expect(await unseal(deriveKeys(A).storedToken, 'bridge-stored-token', legacy)).to.deep.equal({ x: 'old' });
      expect(await unseal(deriveKeys(B, [A]).storedToken, 'bridge-stored-token', legacy)).to.deep.equal({ x: 'old' });
      expect(await unseal(deriveKeys(B).storedToken, 'bridge-stored-token', legacy)).to.equal(undefined);
    });
  });

  describe('configuration', () => {
    it('BRIDGE_PREVIOUS_KEYS: comma-separated keys of the same format; a bad one is named without its value', async () => {
      const [a, c] = [b64(newKey()), b64(newKey())];
      const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_PREVIOUS_KEYS: ` ${a}, ${c} ,` }));
      expect(config.previousKeys.map((k) => b64(k))).to.deep.equal([a, c]);
      expect((await loadBridgeConfig(bridgeEnv())).previousKeys).to.deep.equal([]);
      // A secret: never handed to a profile as an `extra` setting.
      expect(config.profileSettings.extra).not.to.have.property('BRIDGE_PREVIOUS_KEYS');

      const bad = 'not-a-key-but-a-secret-looking-thing';
      const error = await loadBridgeConfig(bridgeEnv({ BRIDGE_PREVIOUS_KEYS: `${a},${bad}` })).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.contain('BRIDGE_PREVIOUS_KEYS');
      expect((error as Error).message).not.to.contain(bad);
    });
  });

  describe('a deployment rotating from key A to key B (one SQLite file)', () => {
    const A = b64(newKey());
    const B = b64(newKey());
    let dir: string;
    let file: string;
    let upstream: FakeTokenEndpoint;
    let clock: number;
    const running: TestBridge[] = [];

    /** A bridge on the file with these keys; the profile declares rotation when the upstream rotates. */
    const start = async (key: string, previous?: string, rotating = false) => {
      const t = await startTestBridge(
        {
          BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl,
          BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl,
          BRIDGE_DATA: file,
          BRIDGE_KEY: key,
          BRIDGE_PREVIOUS_KEYS: previous,
          BRIDGE_REFRESH_GRACE_S: '300',
        },
        { now: () => clock, ...(rotating ? { profile: { rotatesRefreshTokens: true } } : {}) },
      );
      running.push(t);
      return t;
    };
    const stop = async (t: TestBridge) => {
      running.splice(running.indexOf(t), 1);
      await t.close();
    };
    /** /authorize → the upstream state (not yet called back). */
    const upstreamState = async (t: TestBridge) => (await startAuthorization(t.bridge)).searchParams.get('state')!;
    const callBack = (t: TestBridge, state: string) =>
      get(callbackUrl(t.bridge, new URL(`https://bridge.ride-hailer.example/callback?code=fake-code-k&state=${encodeURIComponent(state)}`)));
    const codeFrom = (back: { status: number; location: string | null; text: string }) => {
      expect(back.status, back.text).to.equal(302);
      return new URL(back.location!).searchParams.get('code')!;
    };
    const link = async (t: TestBridge) => {
      const exchanged = await exchangeCode(t.bridge, codeFrom(await callBack(t, await upstreamState(t))));
      expect(exchanged.status, exchanged.text).to.equal(200);
      return exchanged.body.refresh_token as string;
    };
    /** The live rows of the file, as stored. */
    const liveLinks = (): LinkRecord[] => {
      const db = new DatabaseSync(file);
      try {
        return (db.prepare('SELECT record FROM bridge_links WHERE expires_at > ?').all(clock) as { record: string }[]).map((r) => JSON.parse(r.record) as LinkRecord);
      } finally {
        db.close();
      }
    };
    const kidsOf = (link: LinkRecord) =>
      [link.upstreamRefreshToken, link.previousUpstreamRefreshToken, link.lastAnswer].filter((v): v is string => v !== undefined).map((v) => decodeProtectedHeader(v).kid);

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'bridge-keys-'));
      file = join(dir, 'bridge.sqlite');
      clock = Date.now();
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((t) => t.close()));
      await upstream?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('states, codes and links made under A work under B + A; once refreshed, a link no longer needs A', async () => {
      upstream = await startFakeTokenEndpoint({ rotate: false });
      const underA = await start(A);
      const refreshed = await link(underA); // refreshed under B + A below
      const untouched = await link(underA); // never refreshed under B + A: still needs A
      const pendingState = await upstreamState(underA); // the user is still at the provider's login page
      const pendingCode = codeFrom(await callBack(underA, await upstreamState(underA))); // Alexa has not exchanged it yet
      await stop(underA);

      const rotated = await start(B, A);
      const back = await callBack(rotated, pendingState);
      const code = codeFrom(back);
      expect(decodeProtectedHeader(code).kid, 'a new code is sealed under B').to.equal(keyId(Buffer.from(B, 'base64url')));
      expect((await exchangeCode(rotated.bridge, code)).status).to.equal(200);
      expect((await exchangeCode(rotated.bridge, pendingCode)).status).to.equal(200);
      const answer = await refresh(rotated.bridge, refreshed);
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.body.refresh_token).to.equal(refreshed);
      // New states are sealed under B.
      expect(decodeProtectedHeader(await upstreamState(rotated)).kid).to.equal(keyId(Buffer.from(B, 'base64url')));
      await stop(rotated);

      // In the store: the link never refreshed is still A's (its id and its token); every other live row — the two
      // links made under B + A and the one moved — is B's throughout.
      const untouchedId = refreshTokenId(deriveKeys(Buffer.from(A, 'base64url')).refreshTokenId.current, untouched);
      const rows = liveLinks();
      expect(rows).to.have.length(4);
      for (const row of rows) expect(new Set(kidsOf(row)), row.id === untouchedId ? 'the untouched link' : 'a link written under B').to.deep.equal(new Set([keyId(Buffer.from(row.id === untouchedId ? A : B, 'base64url'))]));
      expect(rows.map((r) => r.id)).to.include(refreshTokenId(deriveKeys(Buffer.from(B, 'base64url')).refreshTokenId.current, refreshed));
      const onlyB = await start(B);
      clock += 60_000;
      const again = await refresh(onlyB.bridge, refreshed);
      expect(again.status, again.text).to.equal(200);
      // The link that was not refreshed while A was listed is gone with A (docs/bridge.md says how long to keep A).
      expect((await refresh(onlyB.bridge, untouched)).body).to.deep.equal({ error: 'invalid_grant' });
      // A state sealed under A is refused once A is dropped.
      expect((await callBack(onlyB, pendingState)).status).to.equal(400);
      expectNoSecretsIn(onlyB.logger.lines, [refreshed, untouched, A, B, upstream.current]);
    });

    it('a code redeemed under A and replayed after the switch to B + A still revokes the link it issued', async () => {
      upstream = await startFakeTokenEndpoint({ rotate: false });
      const underA = await start(A);
      const code = codeFrom(await callBack(underA, await upstreamState(underA)));
      const exchanged = await exchangeCode(underA.bridge, code);
      expect(exchanged.status, exchanged.text).to.equal(200);
      const issued = exchanged.body.refresh_token as string;
      await stop(underA);

      const rotated = await start(B, A);
      const replay = await exchangeCode(rotated.bridge, code);
      expect(replay.body).to.deep.equal({ error: 'invalid_grant' });
      expect((await refresh(rotated.bridge, issued)).body, 'the link issued from the replayed code').to.deep.equal({ error: 'invalid_grant' });
    });

    it('a rolling deployment (instances on A + B and on B + A at once): the link moves back and forth and is never lost', async () => {
      upstream = await startFakeTokenEndpoint({ rotate: true });
      const bridgeToken = await link(await start(A, undefined, true));
      const old = await start(A, B, true); // step 1 of a rolling rotation: every instance can read B
      const rolled = await start(B, A, true); // step 2, on some instances already
      for (const [i, on] of [rolled, old, rolled, old, rolled].entries()) {
        clock += 60_000;
        const answer = await refresh(on.bridge, bridgeToken);
        expect(answer.status, `refresh ${i + 1}: ${answer.text}`).to.equal(200);
        expect(liveLinks(), 'one live row').to.have.length(1);
      }
      expect(upstream.familyRevoked).to.equal(false);
      const onlyB = await start(B, undefined, true);
      clock += 60_000;
      expect((await refresh(onlyB.bridge, bridgeToken)).status).to.equal(200);
    });

    it("a rotating provider: the answer stored under A is served after the restart, the moved link is B's throughout, the family is never revoked", async () => {
      upstream = await startFakeTokenEndpoint({ rotate: true });
      const underA = await start(A, undefined, true);
      const bridgeToken = await link(underA);
      clock += 60_000;
      const first = await refresh(underA.bridge, bridgeToken);
      expect(first.status, first.text).to.equal(200);
      await stop(underA);

      const rotated = await start(B, A, true);
      clock += 5_000; // within the repeat window: the answer stored under A, not a second spend
      const repeated = await refresh(rotated.bridge, bridgeToken);
      expect(repeated.status, repeated.text).to.equal(200);
      expect(repeated.body.access_token).to.equal(first.body.access_token);
      expect(upstream.rotations).to.equal(1);
      clock += 60_000;
      const moved = await refresh(rotated.bridge, bridgeToken);
      expect(moved.status, moved.text).to.equal(200);
      expect(moved.body.access_token).not.to.equal(first.body.access_token);
      expect(upstream.rotations).to.equal(2);
      // One live row, everything in it sealed under B.
      const rows = liveLinks();
      expect(rows).to.have.length(1);
      expect(new Set(kidsOf(rows[0]!))).to.deep.equal(new Set([keyId(Buffer.from(B, 'base64url'))]));
      await stop(rotated);

      const onlyB = await start(B, undefined, true);
      clock += 5_000;
      expect((await refresh(onlyB.bridge, bridgeToken)).body.access_token, 'the stored answer, sealed again under B').to.equal(moved.body.access_token);
      clock += 60_000;
      expect((await refresh(onlyB.bridge, bridgeToken)).status).to.equal(200);
      expect(upstream.rotations).to.equal(3);
      expect(upstream.familyRevoked).to.equal(false);
    });
  });
});
