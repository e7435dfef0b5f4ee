/**
 * No provider text in the bridge's log (issue 16, item 10). Per profile, an upstream that echoes the credential it
 * was sent (the code, the refresh token) in every free-text field of its error answers, in the provider's own error
 * format; the bridge exchanges a code and refreshes a link against it. Not one log line may hold the credential or
 * the provider's words — only the profile's fixed labels.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { findProfile } from '../../../bridge/profiles/registry.js';
import { dialects, type Dialect } from '../fakes/dialects.js';
import { callbackUrl, exchangeCode, get, PUBLIC_URL, refresh, startAuthorization, startTestBridge, type TestBridge } from '../helpers.js';

/** Words only the provider could have written: none of them may reach the log. */
const FREE = 'PROVIDER-FREE-TEXT';

interface Answer {
  status: number;
  body: string;
  contentType?: string;
}
const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });
const form = (status: number, fields: Record<string, string>): Answer => ({ status, body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' });

interface Case {
  profile: string;
  dialect: Dialect;
  env?: Record<string, string>;
  /** Error answers in the provider's format, each quoting the credential `c` it was sent. */
  echoes: ((c: string) => Answer)[];
}

const CASES: Case[] = [
  {
    profile: 'withings',
    dialect: dialects.withings,
    echoes: [
      (c) => json(200, { status: 601, body: {}, error: `Too Many Requests for ${c} ${FREE}` }),
      (c) => json(200, { status: 503, body: {}, error: `Invalid Params: invalid refresh_token ${c} ${FREE}` }),
      (c) => json(200, { status: 2555, body: {}, error: `${FREE}: ${c}` }),
      (c) => json(200, { status: 100, body: {}, error: `Authentication failed ${c} ${FREE}` }),
    ],
  },
  {
    profile: 'github',
    dialect: dialects.github,
    echoes: [
      (c) => json(200, { error: c, error_description: FREE }),
      (c) => form(200, { error: 'bad_verification_code', error_description: `${FREE} ${c}`, error_uri: `https://docs.github.com/${c}` }),
      (c) => form(200, { error: `${FREE}_${c}` }),
    ],
  },
  {
    profile: 'slack',
    dialect: dialects.slack,
    env: { BRIDGE_UPSTREAM_USER_SCOPES: 'identity.basic' },
    echoes: [
      (c) => json(200, { ok: false, error: c }),
      (c) => json(200, { ok: false, error: 'invalid_refresh_token', warning: `${FREE} ${c}`, response_metadata: { messages: [c] } }),
      (c) => json(200, { ok: false, error: `${FREE} ${c}` }),
    ],
  },
  {
    profile: 'fitbit',
    dialect: dialects.fitbit,
    echoes: [
      (c) => json(400, { errors: [{ errorType: 'invalid_grant', message: `Refresh token invalid: ${c}. ${FREE}` }], success: false }),
      (c) => json(400, { errors: [{ errorType: c, message: FREE }], success: false }),
      (c) => json(401, { errors: [{ errorType: 'invalid_client', message: `${FREE}: ${c}` }], success: false }),
      (c) => json(400, { error: 'invalid_grant', error_description: `${FREE} ${c}` }),
    ],
  },
  {
    profile: 'auth0',
    dialect: dialects.auth0,
    env: { BRIDGE_UPSTREAM_AUDIENCE: 'https://api.example' },
    echoes: [
      (c) => json(403, { error: 'invalid_grant', error_description: `Unknown or invalid refresh token ${c}. ${FREE}` }),
      (c) => json(401, { error: 'access_denied', error_description: `${FREE} ${c}` }),
      (c) => json(400, { error: c, error_description: FREE }),
    ],
  },
  {
    profile: 'azure',
    dialect: dialects.azure,
    echoes: [
      (c) => json(400, { error: 'invalid_grant', error_description: `AADSTS70000: ${c} ${FREE}` }),
      (c) => json(400, { error: 'interaction_required', error_description: `${FREE} ${c}` }),
      (c) => json(400, { error: c }),
    ],
  },
  {
    profile: 'salesforce',
    dialect: dialects.salesforce,
    echoes: [
      (c) => json(400, { error: 'invalid_grant', error_description: `expired access/refresh token ${c} ${FREE}` }),
      (c) => json(400, { error: 'inactive_user', error_description: `${FREE} ${c}` }),
      (c) => json(400, { error: c, error_description: FREE }),
    ],
  },
  {
    profile: 'oidc',
    dialect: dialects.rfc6749,
    echoes: [
      (c) => json(400, { error: 'invalid_grant', error_description: `grant ${c} not found ${FREE}` }),
      (c) => json(400, { error: c, error_description: FREE }),
      (c) => json(401, { error: 'invalid_client', error_description: `${FREE} ${c}` }),
    ],
  },
];

const GOOD_CODE = 'good-code';

describe('bridge profiles: no provider text in the log', () => {
  for (const c of CASES) {
    describe(c.profile, () => {
      let echo: ((credential: string) => Answer) | undefined;
      const presented: string[] = [];
      let close: () => Promise<void>;
      let t: TestBridge;

      before(async () => {
        const server = createServer(async (req, res) => {
          let body = '';
          for await (const chunk of req) body += chunk;
          const params = new URLSearchParams(body);
          const grant = params.get('grant_type') ?? '';
          const credential = params.get('code') ?? params.get('refresh_token') ?? '';
          presented.push(credential);
          let answer: Answer;
          if (credential === GOOD_CODE || echo === undefined) {
            const issued = { accessToken: `at-${randomBytes(6).toString('hex')}`, refreshToken: `RT-${randomBytes(12).toString('hex')}`, expiresIn: 3600, scope: 'refresh_token', user: 'U1', issuedAt: Date.now() };
            const reply = c.dialect.success(issued, { grant, headers: {} });
            answer = { status: reply.status, body: reply.body, ...(reply.headers?.['content-type'] ? { contentType: reply.headers['content-type'] } : {}) };
          } else {
            answer = echo(credential);
          }
          res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' }).end(answer.body);
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        close = () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
        t = await startTestBridge({ BRIDGE_PROFILE: c.profile, BRIDGE_UPSTREAM_AUTHORIZATION_URL: `${url}/authorize`, BRIDGE_UPSTREAM_TOKEN_URL: `${url}/token`, ...c.env });
      });
      after(async () => {
        await t?.close();
        await close?.();
      });

      async function bridgeCodeFor(upstreamCode: string): Promise<string> {
        const up = await startAuthorization(t.bridge);
        const answer = await get(callbackUrl(t.bridge, new URL(`${PUBLIC_URL}/callback?code=${encodeURIComponent(upstreamCode)}&state=${encodeURIComponent(up.searchParams.get('state')!)}`)));
        expect(answer.status, answer.text).to.equal(302);
        return new URL(answer.location!).searchParams.get('code')!;
      }

      /** Only the lines this test added: each test answers for its own error answer. */
      function expectCleanLog(credential: string, from: number): void {
        const log = t.logger.lines.slice(from).join('\n');
        expect(log.includes(credential), `the log holds the credential: ${log}`).to.equal(false);
        expect(log.includes(FREE), `the log holds the provider's words: ${log}`).to.equal(false);
      }

      it('its reading of each error answer keeps neither the credential nor the provider’s words (not even for a later log line)', async () => {
        const profile = findProfile(c.profile)!;
        for (const [index, answer] of c.echoes.entries()) {
          const credential = `CRED-${randomBytes(12).toString('hex')}`;
          const { status, body, contentType } = answer(credential);
          for (const grant of ['authorization_code', 'refresh_token'] as const) {
            const read = JSON.stringify(profile.readTokenAnswer({ status, headers: { 'content-type': contentType ?? 'application/json' }, body }, grant));
            expect(read, `answer ${index + 1}`).not.to.include(credential);
            expect(read, `answer ${index + 1}`).not.to.include(FREE);
          }
        }
      });

      c.echoes.forEach((answer, index) => {
        it(`code exchange, error answer ${index + 1}: the code and the provider's words stay out of the log`, async () => {
          const from = t.logger.lines.length;
          const credential = `CODE-${randomBytes(12).toString('hex')}`;
          const code = await bridgeCodeFor(credential);
          echo = answer;
          const exchanged = await exchangeCode(t.bridge, code);
          echo = undefined;
          expect(presented.at(-1)).to.equal(credential);
          expect([400, 503], exchanged.text).to.include(exchanged.status);
          expectCleanLog(credential, from);
        });

        if (c.dialect.issuesRefreshToken('refresh_token', new URLSearchParams())) {
          it(`refresh, error answer ${index + 1}: the refresh token and the provider's words stay out of the log`, async () => {
            const from = t.logger.lines.length;
            const linked = await exchangeCode(t.bridge, await bridgeCodeFor(GOOD_CODE));
            expect(linked.status, linked.text).to.equal(200);
            echo = answer;
            const refused = await refresh(t.bridge, linked.body.refresh_token as string);
            echo = undefined;
            const upstreamToken = presented.at(-1)!;
            expect(upstreamToken).to.match(/^RT-/);
            expect([400, 503], refused.text).to.include(refused.status);
            expectCleanLog(upstreamToken, from);
          });
        }
      });
    });
  }
});
