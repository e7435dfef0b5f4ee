/**
 * bridge/keys.ts: what a sealed value opens under and what it does not — another purpose's `typ` under the same key,
 * an unknown key ID, anything that is not a JWE, anything over 8,192 characters — and the small primitives the
 * routes compare with (constant-time equality, the PKCE S256 transform, the refresh token's keyed hash).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { CompactEncrypt } from 'jose';
import { deriveKeys, keyId, refreshTokenId, s256, safeEqual, seal, unseal } from '../../bridge/keys.js';

describe('bridge: sealing and the key primitives', () => {
  const keys = deriveKeys(randomBytes(32));

  it('a value sealed for one typ does not open as another under the same key (stored tokens and answers share one)', async () => {
    const sealed = await seal(keys.storedToken, 'bridge-answer', { access_token: 'x' });
    expect(await unseal(keys.storedToken, 'bridge-answer', sealed)).to.deep.equal({ access_token: 'x' });
    expect(await unseal(keys.storedToken, 'bridge-stored-token', sealed)).to.equal(undefined);
  });

  it('a kid that names no listed key is not tried with the current key', async () => {
    const forged = await new CompactEncrypt(new TextEncoder().encode('{"x":1}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'bridge-state', kid: 'unknown1' })
      .encrypt(keys.state.current.key);
    expect(await unseal(keys.state, 'bridge-state', forged)).to.equal(undefined);
  });

  it('anything that is not a JWE, or not one of its algorithms, opens as nothing', async () => {
    const notJwe = ['', 'a.b.c.d.e', 'not-a-jwe', `${Buffer.from('{"kid":').toString('base64url')}....`];
    for (const value of notJwe) expect(await unseal(keys.state, 'bridge-state', value), value).to.equal(undefined);
  });

  it('opens a value of 8,192 characters, refuses one longer', async () => {
    // The ciphertext is as long as the plaintext; pad the value (and, for the base64 steps, the typ) to hit the limit.
    let exact: { sealed: string; typ: string } | undefined;
    for (let pad = 6000; exact === undefined && pad < 6300; pad += 1) {
      for (const typ of ['t', 'ty', 'typ']) {
        const sealed = await seal(keys.state, typ, { pad: 'p'.repeat(pad) });
        if (sealed.length === 8192) exact = { sealed, typ };
      }
    }
    expect(exact, 'a sealed value of exactly 8,192 characters').to.not.equal(undefined);
    expect(await unseal(keys.state, exact!.typ, exact!.sealed)).to.have.property('pad');
    const longer = await seal(keys.state, exact!.typ, { pad: 'p'.repeat(6400) });
    expect(longer.length).to.be.greaterThan(8192);
    expect(await unseal(keys.state, exact!.typ, longer)).to.equal(undefined);
  });

  it('derives a distinct key for each purpose and each master key, and a short key ID', () => {
    const other = deriveKeys(randomBytes(32));
    const all = [keys.state, keys.code, keys.storedToken, keys.refreshTokenId, other.state].map((k) => Buffer.from(k.current.key).toString('hex'));
    expect(new Set(all).size).to.equal(5);
    expect(all.every((hex) => hex.length === 64)).to.equal(true);
    const master = randomBytes(32);
    expect(keyId(master)).to.match(/^[A-Za-z0-9_-]{8}$/).and.equal(keyId(Buffer.from(master)));
  });

  it('derives the same keys and key ID from a master key in every release (what was sealed before must still open)', () => {
    // HKDF-SHA256, empty salt, info `ride-hailer bridge <purpose> v1`, master key 32 bytes of 0x07.
    const master = Buffer.alloc(32, 7);
    const derived = deriveKeys(master);
    const start = (key: Uint8Array) => Buffer.from(key).toString('hex').slice(0, 16);
    expect({
      keyId: keyId(master),
      state: start(derived.state.current.key),
      code: start(derived.code.current.key),
      storedToken: start(derived.storedToken.current.key),
      refreshTokenId: start(derived.refreshTokenId.current.key),
    }).to.deep.equal({ keyId: '5erzl5gj', state: '9d5ec34440ab0d09', code: '632fa6380aa330c6', storedToken: '86d78075593a1182', refreshTokenId: 'e34ef9fafcf75a2d' });
    // Without BRIDGE_PREVIOUS_KEYS nothing but the current key opens anything.
    expect(derived.state.previous).to.deep.equal([]);
  });

  it('compares strings exactly, whatever their lengths', () => {
    expect(safeEqual('secret', 'secret')).to.equal(true);
    expect(safeEqual('secret', 'secreT')).to.equal(false);
    expect(safeEqual('secret', 'secret ')).to.equal(false);
    expect(safeEqual('', '')).to.equal(true);
  });

  it('S256 is RFC 7636’s (its appendix B example), the refresh token id a keyed hash', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).to.equal('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const id = refreshTokenId(keys.refreshTokenId.current, 'brt_x');
    expect(id).to.match(/^[A-Za-z0-9_-]{43}$/).and.equal(refreshTokenId(keys.refreshTokenId.current, 'brt_x'));
    expect(refreshTokenId(keys.refreshTokenId.current, 'brt_y')).to.not.equal(id);
    expect(refreshTokenId(deriveKeys(randomBytes(32)).refreshTokenId.current, 'brt_x')).to.not.equal(id);
  });
});
