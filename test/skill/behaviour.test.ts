import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Directive, RequestEnvelope } from 'ask-sdk-model';
import { createTokenVerifier } from '../../lambda/account/token-verifier.js';
import { createMemoryLogger } from '../../common/logging.js';
import { createRideClient } from '../../lambda/rides/client.js';
import { buildSkill } from '../../lambda/skill.js';
import { intent, launch, sessionEnded, skillEvent, TEST_SKILL_ID } from '../support/envelopes.js';
import { createHarness, speechOf, type Harness } from '../support/skill-harness.js';
import { startStubApi, type StubApi } from '../support/stub-api.js';

const RIDE = { id: 'ride-1', status: 'on_the_way', etaMinutes: 4, destination: 'airport' };

describe('skill behaviour', () => {
  let harness: Harness;
  let stub: StubApi;
  let token: string;

  before(async () => {
    stub = await startStubApi();
    harness = await createHarness({ apiUrl: stub.url, totalBudgetMs: 600 });
    token = await harness.issuer.token();
  });
  after(() => stub.close());
  beforeEach(() => {
    stub.reset();
    harness.logger.lines.length = 0;
  });
  afterEach(() => {
    stub.verify();
    for (const line of harness.logger.lines) expect(line).not.to.contain(token);
  });

  describe('public intents never ask for linking', () => {
    const PUBLIC: [string, () => RequestEnvelope, RegExp][] = [
      ['AMAZON.HelpIntent', () => intent('AMAZON.HelpIntent'), /you can order a ride/],
      ['AMAZON.StopIntent', () => intent('AMAZON.StopIntent'), /^Goodbye\.$/],
      ['AMAZON.CancelIntent', () => intent('AMAZON.CancelIntent'), /^Goodbye\.$/],
      ['AMAZON.NavigateHomeIntent', () => intent('AMAZON.NavigateHomeIntent'), /^Goodbye\.$/],
      ['AMAZON.FallbackIntent', () => intent('AMAZON.FallbackIntent'), /can't help with that/],
    ];
    for (const [name, request, speech] of PUBLIC) {
      for (const who of ['unlinked', 'expired token', 'linked'] as const) {
        it(`answers ${name} for a user who is ${who}, without a card or an API call`, async () => {
          const env = request();
          if (who !== 'unlinked') {
            const t = who === 'linked' ? token : await harness.issuer.token({}, { expiresIn: Math.floor(Date.now() / 1000) - 300 });
            env.context.System.user.accessToken = t;
          }
          const response = await harness.invoke(env);
          expect(speechOf(response)).to.match(speech);
          expect(response.response.card).to.equal(undefined);
          expect(stub.requests).to.have.length(0);
        });
      }
    }

    it('ends the session on stop, keeps it open on help', async () => {
      expect((await harness.invoke(intent('AMAZON.StopIntent'))).response.shouldEndSession).to.equal(true);
      expect((await harness.invoke(intent('AMAZON.HelpIntent'))).response.shouldEndSession).to.equal(false);
    });

    it('answers SessionEndedRequest with an empty response, linked or not', async () => {
      for (const options of [{}, { token }]) {
        const response = await harness.invoke(sessionEnded(options));
        expect(response.response.outputSpeech).to.equal(undefined);
        expect(response.response.card).to.equal(undefined);
      }
      expect(stub.requests).to.have.length(0);
    });
  });

  describe('ordering a ride', () => {
    /**
     * Every request the stub saw, each checked to be the order the API contract describes: POST /v1/rides with the
     * user's bearer token, an Idempotency-Key and the destination as JSON. Returns their idempotency keys.
     */
    const orderKeys = (destination: string): string[] =>
      stub.requests.map((r, i) => {
        expect(`${r.method} ${r.path}`, `request ${i}`).to.equal('POST /v1/rides');
        expect(r.headers.authorization, `request ${i}`).to.equal(`Bearer ${token}`);
        expect(r.headers['content-type'], `request ${i}`).to.match(/^application\/json/);
        expect(JSON.parse(r.body), `request ${i}`).to.deep.equal({ destination });
        const key = r.headers['idempotency-key'];
        expect(key, `request ${i} Idempotency-Key`).to.be.a('string').and.to.match(/^[A-Za-z0-9_-]{43}$/);
        return key as string;
      });

    it('asks for the destination with an ElicitSlot directive when it is missing', async () => {
      const response = await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: undefined } }));
      expect(speechOf(response)).to.equal('Where would you like to go?');
      expect(response.response.directives).to.deep.include({ type: 'Dialog.ElicitSlot', slotToElicit: 'destination' });
      expect(response.response.shouldEndSession).to.equal(false);
      expect(stub.requests).to.have.length(0);
    });

    it('asks an unlinked user to link before asking for a destination', async () => {
      const response = await harness.invoke(intent('OrderRideIntent', { slots: { destination: undefined } }));
      expect(response.response.card).to.deep.equal({ type: 'LinkAccount' });
      expect(response.response.directives).to.equal(undefined);
    });

    it('sends an Idempotency-Key derived from the request ID, the same on a repeated request', async () => {
      stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
      const requestId = 'amzn1.echo-api.request.repeat-me';
      await harness.invoke(intent('OrderRideIntent', { token, requestId, slots: { destination: 'airport' } }));
      await harness.invoke(intent('OrderRideIntent', { token, requestId, slots: { destination: 'airport' } }));
      const keys = orderKeys('airport');
      expect(keys).to.have.length(2);
      expect(keys[0]).to.equal(createHash('sha256').update(requestId).digest('base64url'));
      expect(keys[1]).to.equal(keys[0]);
    });

    it('retries a failed order with the same Idempotency-Key', async () => {
      stub.script('POST', '/v1/rides', { status: 502 }, { status: 201, body: RIDE });
      const response = await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'airport' } }));
      expect(speechOf(response)).to.match(/on its way/);
      const keys = orderKeys('airport');
      expect(keys).to.have.length(2);
      expect(keys[1]).to.equal(keys[0]);
    });

    it('orders the canonical destination when entity resolution matched a synonym', async () => {
      stub.script('POST', '/v1/rides', { status: 201, body: { ...RIDE, destination: 'city centre' } });
      const env = intent('OrderRideIntent', { token, slots: { destination: 'downtown' } });
      (env.request as { intent: { slots: Record<string, unknown> } }).intent.slots.destination = {
        name: 'destination',
        value: 'downtown',
        confirmationStatus: 'NONE',
        resolutions: { resolutionsPerAuthority: [{ authority: 'x', status: { code: 'ER_SUCCESS_MATCH' }, values: [{ value: { name: 'city centre', id: 'CITY' } }] }] },
      };
      expect(speechOf(await harness.invoke(env))).to.match(/on its way to take you to the city centre/);
      expect(orderKeys('city centre')).to.have.length(1);
    });

    it('orders the value of the authority that matched, not of one that did not', async () => {
      stub.script('POST', '/v1/rides', { status: 201, body: { ...RIDE, destination: 'airport' } });
      const env = intent('OrderRideIntent', { token, slots: { destination: 'the airfield' } });
      (env.request as { intent: { slots: Record<string, unknown> } }).intent.slots.destination = {
        name: 'destination',
        value: 'the airfield',
        confirmationStatus: 'NONE',
        resolutions: {
          resolutionsPerAuthority: [
            { authority: 'dynamic', status: { code: 'ER_SUCCESS_NO_MATCH' }, values: [{ value: { name: 'wrong', id: 'W' } }] },
            { authority: 'static', status: { code: 'ER_SUCCESS_MATCH' }, values: [{ value: { name: 'airport', id: 'AIRPORT' } }] },
          ],
        },
      };
      await harness.invoke(env);
      expect(orderKeys('airport')).to.have.length(1);
    });

    it('asks for the destination when the intent carries no destination slot at all', async () => {
      const env = intent('OrderRideIntent', { token });
      (env.request as { intent: { slots?: unknown } }).intent.slots = undefined;
      const response = await harness.invoke(env);
      expect(response.response.directives?.[0]).to.include({ type: 'Dialog.ElicitSlot', slotToElicit: 'destination' });
    });

    it('tells the user about the ride they already have (409)', async () => {
      stub.script('POST', '/v1/rides', { status: 409, body: { error: 'ride_already_active', ride: { ...RIDE, destination: 'office', etaMinutes: 1 } } });
      const response = await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'airport' } }));
      expect(speechOf(response)).to.match(/You already have a ride to the office\. Your car arrives in 1 minute\./);
      expect(orderKeys('airport'), 'a 409 is an answer, not retried').to.have.length(1);
    });

    it('escapes a destination that would break the SSML', async () => {
      const destination = `Smith & Sons <b> "Joe's"`;
      stub.script('POST', '/v1/rides', { status: 201, body: { ...RIDE, destination } });
      const response = await harness.invoke(intent('OrderRideIntent', { token, slots: { destination } }));
      const speech = response.response.outputSpeech;
      expect(speech?.type === 'SSML' && speech.ssml).to.contain('Smith &amp; Sons &lt;b&gt; &quot;Joe&apos;s&quot;');
      expect(orderKeys(destination)).to.have.length(1);
    });

    it("says Ride Hailer isn't answering when the API answers malformed JSON", async () => {
      stub.script('POST', '/v1/rides', { status: 201, raw: '{"id": ' });
      expect(speechOf(await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'airport' } })))).to.match(/isn't answering/);
      expect(orderKeys('airport'), 'a malformed body is not retried').to.have.length(1);
    });

    it("says Ride Hailer isn't answering for a malformed 409 (the ride on its way cannot be read), never an apology for a bug", async () => {
      stub.script('POST', '/v1/rides', { status: 409, raw: '{"error":"ride_already_active","ride":' });
      expect(speechOf(await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'station' } })))).to.match(/isn't answering/);
    });

    it("says Ride Hailer isn't answering for a malformed 404, rather than trusting it as \"no ride\"", async () => {
      stub.script('GET', '/v1/rides/current', { status: 404, raw: '<html>' });
      expect(speechOf(await harness.invoke(intent('RideStatusIntent', { token })))).to.match(/isn't answering/);
    });

    it('does not retry a 429 whose Retry-After is beyond the budget', async () => {
      stub.script('POST', '/v1/rides', { status: 429, headers: { 'retry-after': '30' } }, { status: 201, body: RIDE });
      expect(speechOf(await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'airport' } })))).to.match(/isn't answering/);
      expect(orderKeys('airport')).to.have.length(1);
    });

    it('honours a short Retry-After on 429 and then succeeds', async () => {
      stub.script('POST', '/v1/rides', { status: 429, headers: { 'retry-after': '0' } }, { status: 201, body: RIDE });
      expect(speechOf(await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'airport' } })))).to.match(/on its way/);
      const keys = orderKeys('airport');
      expect(keys).to.have.length(2);
      expect(keys[1]).to.equal(keys[0]);
    });

    it("says Ride Hailer isn't answering when the connection is reset", async () => {
      stub.script('POST', '/v1/rides', { status: 0, reset: true });
      expect(speechOf(await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: 'airport' } })))).to.match(/isn't answering/);
      expect(orderKeys('airport'), 'retried once').to.have.length(2);
    });
  });

  describe('cancelling a ride', () => {
    it('asks for confirmation first, naming the ride', async () => {
      stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
      const response = await harness.invoke(intent('CancelRideIntent', { token }));
      expect(speechOf(response)).to.equal('Do you really want to cancel your ride to the airport?');
      expect(response.response.directives?.map((d: Directive) => d.type)).to.deep.equal(['Dialog.ConfirmIntent']);
      expect(stub.requests.map((r) => r.method)).to.deep.equal(['GET']);
    });

    it('keeps the ride when the user says no', async () => {
      const response = await harness.invoke(intent('CancelRideIntent', { token, confirmationStatus: 'DENIED' }));
      expect(speechOf(response)).to.equal('Okay, I kept your ride.');
      expect(stub.requests).to.have.length(0);
    });

    it('does not ask for confirmation when there is no ride to cancel', async () => {
      stub.script('GET', '/v1/rides/current', { status: 404, body: { error: 'no_active_ride' } });
      const response = await harness.invoke(intent('CancelRideIntent', { token }));
      expect(speechOf(response)).to.match(/You don't have a ride right now/);
      expect(response.response.directives).to.equal(undefined);
    });
  });

  describe('skill events', () => {
    it('logs SkillAccountLinked by subject after verifying the token, never the token', async () => {
      const linked = await harness.issuer.token({ sub: 'user-42' });
      const response = await harness.invoke(skillEvent('SkillAccountLinked', { linkedToken: linked }));
      expect(response.response.outputSpeech).to.equal(undefined);
      const line = harness.logger.lines.map((l) => JSON.parse(l)).find((l) => l.event === 'account_linked');
      expect(line).to.include({ subject: 'user-42' });
      for (const l of harness.logger.lines) expect(l).not.to.contain(linked);
    });

    it('warns when SkillAccountLinked carries a token that does not verify', async () => {
      await harness.invoke(skillEvent('SkillAccountLinked', { linkedToken: 'not.a.jwt' }));
      const records = harness.logger.lines.map((l) => JSON.parse(l));
      expect(records.find((r) => r.event === 'account_linked_token_unusable')).to.include({ level: 'warn', status: 'rejected', problem: 'token_invalid' });
      expect(records.map((r) => r.event)).not.to.include('account_linked');
    });

    it('warns without a problem when SkillAccountLinked carries no usable token (none, empty, not a string)', async () => {
      const withoutBody = skillEvent('SkillAccountLinked');
      delete (withoutBody.request as { body?: unknown }).body;
      const notAString = skillEvent('SkillAccountLinked');
      (notAString.request as unknown as { body: { accessToken: unknown } }).body.accessToken = 42;
      for (const envelope of [withoutBody, skillEvent('SkillAccountLinked', { linkedToken: '' }), notAString]) {
        harness.logger.lines.length = 0;
        const response = await harness.invoke(envelope);
        expect(response.response.outputSpeech).to.equal(undefined);
        const records = harness.logger.lines.map((l) => JSON.parse(l));
        const warning = records.find((r) => r.event === 'account_linked_token_unusable');
        expect(warning).to.include({ status: 'unlinked' }).and.not.to.have.property('problem');
        expect(records.find((r) => r.event === 'request').outcome).to.equal('account_linked_unlinked');
      }
    });

    it('logs an opaque token\'s link without a subject it cannot know', async () => {
      const opaque = await createHarness({ apiUrl: stub.url, opaqueTokens: true });
      await opaque.invoke(skillEvent('SkillAccountLinked', { linkedToken: 'Atza|opaque' }));
      const line = opaque.logger.lines.map((l) => JSON.parse(l)).find((l) => l.event === 'account_linked');
      expect(line).to.include({ subject: 'opaque-token' });
    });

    for (const type of ['SkillEnabled', 'SkillDisabled'] as const) {
      it(`acknowledges ${type} silently`, async () => {
        const response = await harness.invoke(skillEvent(type));
        expect(response.response.outputSpeech).to.equal(undefined);
        const line = harness.logger.lines.map((l) => JSON.parse(l)).find((l) => l.event === 'request');
        expect(line.outcome).to.equal(type === 'SkillEnabled' ? 'skill_enabled' : 'skill_disabled');
      });
    }
  });

  describe('logging', () => {
    /** The outcome the request line records for one request. */
    const ENDS_SESSION = new Set(['ride_ordered', 'ride_already_active', 'cancel_declined', 'ride_cancelled', 'goodbye', 'ride_status', 'no_active_ride', 'who_am_i']);
    const outcomeOf = async (envelope: RequestEnvelope): Promise<unknown> => {
      harness.logger.lines.length = 0;
      const response = await harness.invoke(envelope);
      const outcome = harness.logger.lines.map((l) => JSON.parse(l)).find((l) => l.event === 'request')?.outcome;
      if (ENDS_SESSION.has(outcome)) expect(response.response.shouldEndSession, `${outcome} ends the session`).to.equal(true);
      return outcome;
    };

    it('records how each request ended, one outcome per path', async () => {
      const noRide = { status: 404, body: { error: 'no_active_ride' } };
      const expired = await harness.issuer.token({}, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
      const cases: [string, () => void, RequestEnvelope][] = [
        ['welcomed', () => stub.script('GET', '/v1/me', { status: 200, body: { id: 'u', name: 'Ann', email: 'a@example.com' } }), launch({ token })],
        ['who_am_i', () => stub.script('GET', '/v1/me', { status: 200, body: { id: 'u', name: 'Ann', email: 'a@example.com' } }), intent('WhoAmIIntent', { token })],
        ['destination_elicited', () => {}, intent('OrderRideIntent', { token, slots: { destination: '   ' } })],
        ['ride_ordered', () => stub.script('POST', '/v1/rides', { status: 201, body: RIDE }), intent('OrderRideIntent', { token, slots: { destination: 'airport' } })],
        ['ride_already_active', () => stub.script('POST', '/v1/rides', { status: 409, body: { error: 'ride_already_active', ride: RIDE } }), intent('OrderRideIntent', { token, slots: { destination: 'airport' } })],
        ['ride_status', () => stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE }), intent('RideStatusIntent', { token })],
        ['no_active_ride', () => stub.script('GET', '/v1/rides/current', noRide), intent('RideStatusIntent', { token })],
        ['cancel_confirmation_asked', () => stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE }), intent('CancelRideIntent', { token })],
        ['no_active_ride', () => stub.script('GET', '/v1/rides/current', noRide), intent('CancelRideIntent', { token })],
        ['cancel_declined', () => {}, intent('CancelRideIntent', { token, confirmationStatus: 'DENIED' })],
        ['ride_cancelled', () => stub.script('DELETE', '/v1/rides/current', { status: 200, body: { ...RIDE, status: 'cancelled' } }), intent('CancelRideIntent', { token, confirmationStatus: 'CONFIRMED' })],
        ['no_active_ride', () => stub.script('DELETE', '/v1/rides/current', noRide), intent('CancelRideIntent', { token, confirmationStatus: 'CONFIRMED' })],
        ['help', () => {}, intent('AMAZON.HelpIntent')],
        ['goodbye', () => {}, intent('AMAZON.StopIntent')],
        ['fallback', () => {}, intent('AMAZON.FallbackIntent')],
        ['session_ended', () => {}, sessionEnded()],
        ['link_required:not_linked', () => {}, intent('RideStatusIntent')],
        ['link_required:token_expired', () => {}, intent('RideStatusIntent', { token: expired })],
        ['scope_missing:order_car', () => {}, intent('RideStatusIntent', { token: await harness.issuer.token({ scope: 'basic_profile' }) })],
        ['api_unavailable:status_503', () => stub.script('GET', '/v1/rides/current', { status: 503 }), intent('RideStatusIntent', { token })],
        ['account_linked', () => {}, skillEvent('SkillAccountLinked', { linkedToken: token })],
        ['account_linked_rejected', () => {}, skillEvent('SkillAccountLinked', { linkedToken: 'not.a.jwt' })],
        ['account_linked_unlinked', () => {}, skillEvent('SkillAccountLinked', { linkedToken: '' })],
      ];
      for (const [outcome, script, envelope] of cases) {
        stub.reset();
        script();
        expect(await outcomeOf(envelope), outcome).to.equal(outcome);
        stub.verify();
      }
    });

    it('logs an unexpected failure by name and request ID: an apology for an intent, silence for a skill event', async () => {
      const logger = createMemoryLogger();
      const skill = buildSkill({
        skillId: TEST_SKILL_ID,
        rides: createRideClient({ baseUrl: new URL(stub.url), totalBudgetMs: 600 }),
        tokens: { verify: () => Promise.reject(new TypeError('a bug')) },
        logger,
      });
      const records = () => logger.lines.map((l) => JSON.parse(l));
      const linked = await skill.invoke(skillEvent('SkillAccountLinked', { linkedToken: token, requestId: 'req-event' }));
      expect(linked.response.outputSpeech).to.equal(undefined);
      expect(records().find((r) => r.event === 'unexpected_error')).to.include({ requestId: 'req-event', error: 'TypeError' });
      expect(records().find((r) => r.event === 'request')).to.include({ outcome: 'error' });
      logger.lines.length = 0;
      const asked = await skill.invoke(intent('RideStatusIntent', { token, requestId: 'req-intent' }));
      expect(speechOf(asked)).to.match(/something went wrong/i);
      expect(records().find((r) => r.event === 'unexpected_error')).to.include({ requestId: 'req-intent', error: 'TypeError' });
      expect(records().find((r) => r.event === 'request')).to.include({ outcome: 'error' });
      for (const line of logger.lines) expect(line).not.to.contain('a bug');
    });

    it('orders at most 100 characters of the destination, trimmed', async () => {
      stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
      await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: `  ${'x'.repeat(120)}  ` } }));
      expect(JSON.parse(stub.requests[0]!.body)).to.deep.equal({ destination: 'x'.repeat(100) });
    });

    it('counts the destination in characters as the API does, never cutting one in half', async () => {
      stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
      await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: '🚕'.repeat(120) } }));
      expect(JSON.parse(stub.requests[0]!.body)).to.deep.equal({ destination: '🚕'.repeat(100) });
    });

    it('never sends a destination that the cut leaves ending in a space', async () => {
      stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
      await harness.invoke(intent('OrderRideIntent', { token, slots: { destination: `${'x'.repeat(99)} main street` } }));
      expect(JSON.parse(stub.requests[0]!.body)).to.deep.equal({ destination: 'x'.repeat(99) });
    });

    it('logs request ID, type, intent, outcome and latency — and nothing from the user', async () => {
      stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
      await harness.invoke(intent('RideStatusIntent', { token, requestId: 'amzn1.echo-api.request.log-me' }));
      const [line] = harness.logger.lines.map((l) => JSON.parse(l));
      expect(line).to.include({ event: 'request', requestId: 'amzn1.echo-api.request.log-me', type: 'IntentRequest', intent: 'RideStatusIntent', outcome: 'ride_status' });
      expect(line.latencyMs).to.be.a('number');
      expect(Object.keys(line).sort()).to.deep.equal(['event', 'intent', 'latencyMs', 'level', 'outcome', 'requestId', 'time', 'type']);
    });

    it('logs the outcome of a request that ended in the error handler', async () => {
      await harness.invoke(intent('RideStatusIntent'));
      const line = JSON.parse(harness.logger.lines.at(-1)!);
      expect(line.outcome).to.equal('link_required:not_linked');
    });

    it('redacts credential-named fields even if a caller passes one', () => {
      const logger = createMemoryLogger();
      logger.info('oops', { accessToken: 'secret-value', clientSecret: 'x', ok: 'kept' });
      expect(logger.lines[0]).not.to.contain('secret-value');
      expect(JSON.parse(logger.lines[0]!)).to.include({ accessToken: '[redacted]', ok: 'kept' });
    });
  });

  describe('locales', () => {
    it('speaks German for de-DE', async () => {
      const response = await harness.invoke(launch({ locale: 'de-DE' }));
      expect(speechOf(response)).to.match(/Ride-Hailer-Konto/);
      expect(speechOf(await harness.invoke(intent('AMAZON.HelpIntent', { locale: 'de-DE' })))).to.match(/Fahrt bestellen/);
    });

    it('speaks English for en-GB', async () => {
      expect(speechOf(await harness.invoke(launch({ locale: 'en-GB' })))).to.match(/needs to know your Ride Hailer account/);
    });
  });

  describe('robustness', () => {
    it('refuses a request for another skill', async () => {
      const env = launch();
      env.context.System.application.applicationId = 'amzn1.ask.skill.someone-else';
      let failure: unknown;
      await harness.invoke(env).catch((error: unknown) => (failure = error));
      expect(String(failure)).to.match(/skill ID/i);
    });

    it('apologises briefly for an intent no handler knows, without internal details', async () => {
      const response = await harness.invoke(intent('SomethingElseIntent', { token }));
      expect(speechOf(response)).to.equal('Sorry, something went wrong on our side. Please try again.');
    });

    it("says Ride Hailer isn't answering when the issuer's keys cannot be fetched", async () => {
      const logger = createMemoryLogger();
      const issuer = (await createHarness({ apiUrl: stub.url })).issuer;
      const skill = buildSkill({
        skillId: TEST_SKILL_ID,
        rides: createRideClient({ baseUrl: new URL(stub.url), totalBudgetMs: 600 }),
        tokens: createTokenVerifier({ ...issuer.config, jwksUrl: new URL('http://127.0.0.1:9/jwks') }),
        logger,
      });
      const response = await skill.invoke(intent('RideStatusIntent', { token: await issuer.token() }));
      expect(speechOf(response)).to.match(/isn't answering/);
      expect(response.response.card).to.equal(undefined);
      expect(stub.requests).to.have.length(0);
      const line = logger.lines.map((l) => JSON.parse(l)).find((l) => l.event === 'request');
      expect(line.outcome, 'the log tells the issuer from the API').to.equal('issuer_unavailable:jwks_unreachable');
    });

    it('lets the API decide for opaque tokens (no local verification)', async () => {
      const opaque = await createHarness({ apiUrl: stub.url, opaqueTokens: true });
      stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
      const response = await opaque.invoke(intent('RideStatusIntent', { token: 'Atza|opaque-token-from-login-with-amazon' }));
      expect(speechOf(response)).to.match(/Your ride to the airport is on its way/);
      expect(stub.requests[0]!.headers.authorization).to.equal('Bearer Atza|opaque-token-from-login-with-amazon');
    });
  });
});
