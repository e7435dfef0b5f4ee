/**
 * What every profile of this folder must do whatever the upstream answers: never throw, read outages as
 * `unavailable` (never `refused`, which makes Alexa unlink the user), and be registered under its name.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { findProfile } from '../../../bridge/profiles/registry.js';
import type { TokenGrant } from '../../../bridge/profiles/profile.js';
import { json, PROFILES, raw } from './helpers.js';

const GRANTS: TokenGrant[] = ['authorization_code', 'refresh_token'];

/** Answers that say nothing about the grant: each must be `unavailable` for every profile and grant. */
const OUTAGES = {
  'a 500 HTML page': raw(500, '<html><body><h1>500 Internal Server Error</h1></body></html>'),
  'a 502 from a proxy': raw(502, '<html><body>Bad Gateway</body></html>'),
  'a 503 with an RFC body saying invalid_grant': json(503, { error: 'invalid_grant' }),
  'a 504 empty': raw(504, ''),
  'a 429 with an RFC body saying invalid_grant': json(429, { error: 'invalid_grant', ok: false, errors: [{ errorType: 'invalid_grant' }] }),
  'a 429 plain': raw(429, 'Too Many Requests', 'text/plain'),
  'a 200 HTML maintenance page': raw(200, '<!DOCTYPE html><html><body>Back soon. error=invalid_grant</body></html>'),
  'a 200 empty body': raw(200, '', 'application/json'),
  'a 200 truncated JSON': raw(200, '{"access_token":"abc', 'application/json'),
  'a 200 JSON array': json(200, [{ access_token: 'x' }]),
  'a 200 JSON null': json(200, 'null'),
  'a 200 binary garbage': raw(200, '\u0000\u0001\u00ff garbage', 'application/octet-stream'),
  'a 400 HTML page': raw(400, '<html><body>Bad Request</body></html>'),
  'a 401 HTML page': raw(401, '<html><body>Unauthorized</body></html>'),
  'a 403 HTML page from a WAF': raw(403, '<html><body>Request blocked</body></html>'),
  'a 301 redirect': raw(301, ''),
  'a 404': raw(404, 'Not Found', 'text/plain'),
};

describe('bridge profiles: robustness of readTokenAnswer', () => {
  for (const profile of PROFILES) {
    describe(profile.name, () => {
      for (const [label, answer] of Object.entries(OUTAGES)) {
        it(`reads ${label} as unavailable`, () => {
          for (const grant of GRANTS) {
            const result = profile.readTokenAnswer(answer, grant);
            expect(result.kind, `${grant}: ${JSON.stringify(result)}`).to.equal('unavailable');
          }
        });
      }

      it('never throws, and never refuses on a 5xx or 429, whatever the body', () => {
        const body = fc.oneof(
          fc.string(),
          fc.json(),
          fc.constantFrom(
            '{"ok":false,"error":"invalid_code"}',
            '{"status":503,"body":{},"error":"Invalid Params: invalid code"}',
            '{"errors":[{"errorType":"invalid_grant"}],"success":false}',
            '{"error":"invalid_grant"}',
            'error=bad_verification_code',
            '{"access_token":"a","token_type":"Bearer","expires_in":"3599"}',
            '{"status":0,"body":{"access_token":"a"}}',
            '{"ok":true,"authed_user":{"access_token":"a"}}',
          ),
        );
        const headers = fc.constantFrom<Record<string, string | undefined>>({}, { 'content-type': 'application/json' }, { 'content-type': 'application/x-www-form-urlencoded' }, { 'content-type': 'text/html' });
        fc.assert(
          fc.property(fc.integer({ min: 100, max: 599 }), body, headers, fc.constantFrom<TokenGrant>(...GRANTS), (status, text, hdrs, grant) => {
            const result = profile.readTokenAnswer({ status, headers: hdrs, body: text }, grant);
            expect(['tokens', 'refused', 'unavailable']).to.include(result.kind);
            if (status >= 500 || status === 429) expect(result.kind).to.equal('unavailable');
            if (result.kind === 'tokens') expect(result.accessToken).to.be.a('string').and.not.equal('');
          }),
          { numRuns: 300 },
        );
      });

      it('is registered under its name, as the same object', () => {
        expect(findProfile(profile.name)).to.equal(profile);
        expect(profile.quirk).to.have.length.greaterThan(10);
      });
    });
  }
});
