/**
 * Every handler that needs the account × every account and API outcome: the user either gets their answer, or the
 * precise reason and — where linking helps — a LinkAccount card; never a crash, never a vague error.
 */
import { expect } from 'chai';
import { generateKeyPair, SignJWT } from 'jose';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { intent, launch, type EnvelopeOptions } from '../support/envelopes.js';
import { createHarness, speechOf, type Harness } from '../support/skill-harness.js';
import { fakeClock, tracked } from '../support/fake-clock.js';
import { startStubApi, type Reply, type StubApi } from '../support/stub-api.js';
import { TEST_AUDIENCE, TEST_ISSUER } from '../support/tokens.js';

const ANN = { id: 'user-ann', name: 'Ann Example', email: 'ann@example.com' };
const RIDE = { id: 'ride-1', status: 'on_the_way', etaMinutes: 4, destination: 'airport' };

interface Case {
  title: string;
  envelope(options: EnvelopeOptions): RequestEnvelope;
  scope: 'basic_profile' | 'order_car';
  /** The API call the handler makes when everything is fine. */
  route: { method: 'GET' | 'POST' | 'DELETE'; path: string; body: unknown };
  success: RegExp;
  /** What a 404 from the API means for this handler. */
  onNotFound: RegExp;
}

const CASES: Case[] = [
  {
    title: 'LaunchRequest',
    envelope: (o) => launch(o),
    scope: 'basic_profile',
    route: { method: 'GET', path: '/v1/me', body: ANN },
    success: /Welcome back to Ride Hailer, Ann Example/,
    onNotFound: /something went wrong/,
  },
  {
    title: 'OrderRideIntent',
    envelope: (o) => intent('OrderRideIntent', { ...o, slots: { destination: 'airport' } }),
    scope: 'order_car',
    route: { method: 'POST', path: '/v1/rides', body: RIDE },
    success: /A car is on its way to take you to the airport\. Your car arrives in 4 minutes/,
    onNotFound: /something went wrong/,
  },
  {
    title: 'RideStatusIntent',
    envelope: (o) => intent('RideStatusIntent', o),
    scope: 'order_car',
    route: { method: 'GET', path: '/v1/rides/current', body: RIDE },
    success: /Your ride to the airport is on its way\. Your car arrives in 4 minutes/,
    onNotFound: /You don't have a ride right now/,
  },
  {
    title: 'CancelRideIntent (confirmed)',
    envelope: (o) => intent('CancelRideIntent', { ...o, confirmationStatus: 'CONFIRMED' }),
    scope: 'order_car',
    route: { method: 'DELETE', path: '/v1/rides/current', body: { ...RIDE, status: 'cancelled' } },
    success: /your ride to the airport is cancelled/,
    onNotFound: /You don't have a ride right now/,
  },
  {
    title: 'WhoAmIIntent',
    envelope: (o) => intent('WhoAmIIntent', o),
    scope: 'basic_profile',
    route: { method: 'GET', path: '/v1/me', body: ANN },
    success: /linked to the account of Ann Example, ann@example\.com/,
    onNotFound: /something went wrong/,
  },
];

function expectLinkCard(response: ResponseEnvelope, speech: RegExp): void {
  expect(speechOf(response)).to.match(speech);
  expect(response.response.card).to.deep.equal({ type: 'LinkAccount' });
  expect(response.response.shouldEndSession).to.equal(true);
}

describe('account-gated handlers', () => {
  let harness: Harness;
  let stub: StubApi;
  let tokensUsed: string[];

  before(async () => {
    stub = await startStubApi();
    harness = await createHarness({ apiUrl: stub.url, totalBudgetMs: 600 });
  });
  after(() => stub.close());
  beforeEach(() => {
    tokensUsed = [];
    harness.logger.lines.length = 0;
    stub.reset();
  });
  afterEach(() => {
    stub.verify();
    for (const token of tokensUsed) {
      for (const line of harness.logger.lines) expect(line).not.to.contain(token);
    }
  });

  const token = async (...args: Parameters<Harness['issuer']['token']>) => {
    const t = await harness.issuer.token(...args);
    tokensUsed.push(t);
    return t;
  };

  /** Scripts the case's API route; the returned function counts the calls it received. */
  const api = (c: Case, ...replies: Reply[]) => {
    stub.script(c.route.method, c.route.path, ...replies);
    return () => stub.requests.filter((r) => r.method === c.route.method && r.path === c.route.path);
  };
  const ok = (c: Case): Reply => ({ status: 200, body: c.route.body });

  /** Each gated request explains linking in its own terms (issue: "who am i" used to hear "To order rides for you"). */
  const WHY_LINK: Record<string, RegExp> = {
    LaunchRequest: /^To order rides for you, Ride Hailer needs to know your Ride Hailer account\. I have sent a card/,
    OrderRideIntent: /^To order rides for you, Ride Hailer needs to know your Ride Hailer account\. I have sent a card/,
    RideStatusIntent: /^To tell you where your ride is, Ride Hailer needs to know your Ride Hailer account\. I have sent a card/,
    'CancelRideIntent (confirmed)': /^To cancel your ride, Ride Hailer needs to know your Ride Hailer account\. I have sent a card/,
    WhoAmIIntent: /^No Ride Hailer account is linked yet\. I have sent a card to your Alexa app/,
  };

  for (const c of CASES) {
    describe(c.title, () => {
      it('answers an unlinked user with a LinkAccount card and never calls the API', async () => {
        const calls = api(c, ok(c));
        expectLinkCard(await harness.invoke(c.envelope({})), WHY_LINK[c.title]!);
        expect(calls()).to.have.length(0);
      });

      it('answers a linked user, calling the API with the bearer token', async () => {
        const t = await token();
        const calls = api(c, ok(c));
        const response = await harness.invoke(c.envelope({ token: t }));
        expect(speechOf(response)).to.match(c.success);
        expect(response.response.card).to.equal(undefined);
        expect(calls().map((r) => r.headers.authorization)).to.deep.equal([`Bearer ${t}`]);
      });

      it('asks an expired token to re-link, without calling the API', async () => {
        const calls = api(c, ok(c));
        const expired = await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
        expectLinkCard(await harness.invoke(c.envelope({ token: expired })), /link has expired/);
        expect(calls()).to.have.length(0);
      });

      it('asks a forged token (right kid, wrong key) to re-link, without calling the API', async () => {
        const calls = api(c, ok(c));
        const { privateKey } = await generateKeyPair('ES256');
        const forged = await new SignJWT({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-ann', scope: 'basic_profile order_car' })
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'test-key-1' })
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(privateKey);
        tokensUsed.push(forged);
        expectLinkCard(await harness.invoke(c.envelope({ token: forged })), /link has expired/);
        expect(calls()).to.have.length(0);
      });

      it(`handles a token without ${c.scope}`, async () => {
        const other = c.scope === 'order_car' ? 'basic_profile' : 'order_car';
        const calls = api(c, ok(c));
        const response = await harness.invoke(c.envelope({ token: await token({ scope: other }) }));
        if (c.title === 'LaunchRequest') {
          // Launch still welcomes the user; only the name needs the profile permission.
          expect(speechOf(response)).to.match(/^Welcome back to Ride Hailer\. You can say: order a ride/);
          expect(response.response.card).to.equal(undefined);
        } else {
          expectLinkCard(response, c.scope === 'order_car' ? /permission for ordering rides/ : /permission for seeing your name/);
        }
        expect(calls()).to.have.length(0);
      });

      it('asks to re-link when the API rejects the token (401)', async () => {
        const calls = api(c, { status: 401, body: { error: 'invalid_token' }, headers: { 'www-authenticate': 'Bearer realm="ride-hailer", error="invalid_token"' } });
        expectLinkCard(await harness.invoke(c.envelope({ token: await token() })), /link has expired/);
        expect(calls()).to.have.length(1);
      });

      it('names the missing permission when the API answers 403 insufficient_scope', async () => {
        const calls = api(c, { status: 403, body: { error: 'insufficient_scope' }, headers: { 'www-authenticate': `Bearer realm="ride-hailer", error="insufficient_scope", scope="${c.scope}"` } });
        const t = await token();
        const response = await harness.invoke(c.envelope({ token: t }));
        // The token carries every scope: only the API's 403 can have produced the answer, and a 403 is not retried.
        expect(calls().map((r) => r.headers.authorization), 'the API was asked once').to.deep.equal([`Bearer ${t}`]);
        if (c.title === 'LaunchRequest') {
          expect(speechOf(response)).to.match(/^Welcome back to Ride Hailer\. You can say: order a ride/);
        } else {
          expectLinkCard(response, c.scope === 'order_car' ? /permission for ordering rides/ : /permission for seeing your name/);
        }
      });

      it('answers a 404 from the API sensibly', async () => {
        api(c, { status: 404, body: { error: 'no_active_ride' } });
        const response = await harness.invoke(c.envelope({ token: await token() }));
        expect(speechOf(response)).to.match(c.onNotFound);
        expect(response.response.card).to.equal(undefined);
      });

      for (const status of [500, 502, 503]) {
        it(`says Ride Hailer isn't answering on ${status} (after one retry), with no card and the session open`, async () => {
          const calls = api(c, { status, body: { error: 'server_error' } });
          const response = await harness.invoke(c.envelope({ token: await token() }));
          expect(speechOf(response)).to.match(/isn't answering right now/);
          expect(response.response.card).to.equal(undefined);
          expect(response.response.shouldEndSession).to.equal(false);
          expect(calls(), 'retried once').to.have.length(2);
        });
      }

      it("says Ride Hailer isn't answering when the API never answers, once the budget gives up (a mocked clock)", async () => {
        // Budget 600 ms: the attempt gives up at 270 ms and no retry fits in what is left.
        const calls = api(c, { ...ok(c), hang: true });
        const envelope = c.envelope({ token: await token() });
        const clock = fakeClock();
        try {
          const response = tracked(harness.invoke(envelope));
          await stub.arrived(1);
          await clock.advance(269);
          expect(response.settled, 'still waiting at 269 ms').to.equal(false);
          await clock.advance(1);
          expect(response.settled, 'answered when the attempt gives up').to.equal(true);
          expect(speechOf(await response)).to.match(/isn't answering right now/);
          expect((await response).response.card).to.equal(undefined);
          expect(calls(), 'no retry fits in the budget').to.have.length(1);
        } finally {
          clock.restore();
        }
      });

      it('recovers when the first attempt fails and the retry succeeds', async () => {
        const t = await token();
        api(c, { status: 503 }, ok(c));
        expect(speechOf(await harness.invoke(c.envelope({ token: t })))).to.match(c.success);
      });
    });
  }
});
