/**
 * The bundle's stand-in for the Fetch API's `Headers` (lambda/account/jwks-headers.ts): jose's remote key set builds
 * its request headers with it and jwks-fetch.ts reads them with `Object.fromEntries`, so names must come out
 * lower-case and be found whatever their case, as with the real `Headers`.
 */
import { expect } from 'chai';
import { Headers } from '../../lambda/account/jwks-headers.js';

describe('the JWKS request headers of the bundle', () => {
  it('starts from a record, or empty, with names lower-cased', () => {
    expect(Object.fromEntries(new Headers({ 'User-Agent': 'jose', Accept: 'application/json' }))).to.deep.equal({ 'user-agent': 'jose', accept: 'application/json' });
    expect(Object.fromEntries(new Headers())).to.deep.equal({});
  });

  it('finds, reads and replaces a header whatever the case of its name, as jose calls has and set', () => {
    const headers = new Headers({ accept: 'application/json' });
    expect(headers.has('ACCEPT')).to.equal(true);
    expect(headers.get('Accept')).to.equal('application/json');
    expect(headers.has('User-Agent')).to.equal(false);
    headers.set('USER-AGENT', 'skill');
    headers.set('Accept', 'application/jwk-set+json');
    expect(Object.fromEntries(headers)).to.deep.equal({ accept: 'application/jwk-set+json', 'user-agent': 'skill' });
  });
});
