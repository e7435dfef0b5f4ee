/**
 * Fuzzing the skill with random and mutated request envelopes (fast-check, fixed seeds so a failure replays):
 *
 * (a) straight into `skill.invoke`: it resolves with a valid response envelope, or rejects only when the skill ID
 *     does not match; nothing ends in an unhandled rejection;
 * (b) through the HTTP endpoint, verification off (fuzzed bodies reach parsing and dispatch) and on (fuzzed bodies,
 *     correctly signed): never a 500, every 200 is a valid Alexa response, every other answer is `{error: <code>}`.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { RequestEnvelope } from 'ask-sdk-model';
import { createTokenVerifier } from '../../lambda/account/token-verifier.js';
import { AccountLinkRequired, ApiUnavailable, ScopeMissing } from '../../lambda/errors.js';
import { RideAlreadyActive } from '../../lambda/rides/client.js';
import { createMemoryLogger } from '../../common/logging.js';
import type { RideClient } from '../../lambda/rides/client.js';
import type { Ride } from '../../lambda/rides/types.js';
import { buildSkill } from '../../lambda/skill.js';
import type { RefusalCode } from '../../lambda/verification/index.js';
import { intent, launch, sessionEnded, skillEvent, TEST_SKILL_ID } from '../support/envelopes.js';
import { startStubApi, type StubApi } from '../support/stub-api.js';
import { createTestIssuer } from '../support/tokens.js';
import { ANN, isAlexaResponse, startEndpoint, startStack, type SkillEndpoint, type Stack } from './support.js';

const SEED = 20_240_611;
const RIDE: Ride = { id: 'ride-1', status: 'on_the_way', etaMinutes: 4, destination: 'airport' };

/** Every code the endpoint may answer a refused request with. */
const ERROR_CODES: readonly (RefusalCode | 'not_found')[] = [
  'signature_missing',
  'signature_invalid',
  'certificate_url_invalid',
  'certificate_unavailable',
  'certificate_invalid',
  'certificate_expired',
  'certificate_untrusted',
  'timestamp_invalid',
  'timestamp_out_of_range',
  'skill_id_mismatch',
  'body_too_large',
  'malformed_request',
  'not_found',
];

// ---------------------------------------------------------------------------------------------------------------
// Envelopes: valid ones of every kind, then mutated

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const DELETE = Symbol('delete');

/** Where mutations strike: every part of the envelope the skill or the verifiers read. */
const PATHS: readonly string[][] = [
  ['version'],
  ['request'],
  ['request', 'type'],
  ['request', 'requestId'],
  ['request', 'timestamp'],
  ['request', 'locale'],
  ['request', 'dialogState'],
  ['request', 'intent'],
  ['request', 'intent', 'name'],
  ['request', 'intent', 'slots'],
  ['request', 'intent', 'slots', 'destination'],
  ['request', 'intent', 'slots', 'destination', 'value'],
  ['request', 'intent', 'slots', 'destination', 'resolutions'],
  ['request', 'intent', 'slots', 'destination', 'resolutions', 'resolutionsPerAuthority'],
  ['request', 'intent', 'confirmationStatus'],
  ['request', 'body'],
  ['request', 'body', 'accessToken'],
  ['session'],
  ['session', 'new'],
  ['session', 'attributes'],
  ['session', 'user'],
  ['session', 'application'],
  ['session', 'application', 'applicationId'],
  ['context'],
  ['context', 'System'],
  ['context', 'System', 'user'],
  ['context', 'System', 'user', 'accessToken'],
  ['context', 'System', 'application'],
  ['context', 'System', 'application', 'applicationId'],
  ['context', 'System', 'device'],
];

const nested = (depth: number): Json => {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

/** What a field may be replaced with: wrong types, unicode, huge and deeply nested values, or nothing at all. */
const weirdValue: fc.Arbitrary<Json | typeof DELETE> = fc.oneof(
  { arbitrary: fc.constant(DELETE), weight: 4 },
  { arbitrary: fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, '', ' ', 'IntentRequest', 'LaunchRequest', 'de-DE', 'en-US', '2024-01-01T00:00:00Z', TEST_SKILL_ID), weight: 3 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.integer({ min: 1_000, max: 60_000 }).map((n) => 'ä𝄞'.repeat(n)), weight: 1 },
  { arbitrary: fc.integer({ min: 20, max: 1_500 }).map(nested), weight: 1 },
  { arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, { maxLength: 4 }), weight: 2 },
  { arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, { maxKeys: 4 }), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, weight: 2 },
);

interface Mutation {
  path: string[];
  value: Json | typeof DELETE;
}

const mutations = fc.array(fc.record({ path: fc.constantFrom(...PATHS), value: weirdValue }), { minLength: 1, maxLength: 4 });

function mutate(envelope: Json, { path, value }: Mutation): void {
  let parent = envelope;
  for (const key of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return;
    const next: Json | undefined = parent[key];
    if (next === undefined) {
      if (value === DELETE) return;
      parent[key] = {};
    }
    parent = parent[key]!;
  }
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return;
  const last = path.at(-1)!;
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
}

type TokenKind = 'none' | 'valid' | 'no-scopes' | 'garbage';

/** A valid envelope of a random kind, built now (so its timestamp is current). */
const validEnvelope = fc.record({
  kind: fc.constantFrom('launch', 'order', 'order-no-destination', 'status', 'cancel', 'cancel-confirmed', 'who', 'help', 'stop', 'fallback', 'unknown-intent', 'session-ended', 'linked-event', 'enabled-event'),
  token: fc.constantFrom<TokenKind>('none', 'valid', 'no-scopes', 'garbage'),
  locale: fc.constantFrom('en-US', 'en-GB', 'de-DE', 'fr-FR'),
  destination: fc.oneof(fc.constantFrom('airport', 'the station'), fc.string({ unit: 'grapheme', maxLength: 120 })),
});

type EnvelopeSpec = typeof validEnvelope extends fc.Arbitrary<infer T> ? T : never;

function buildEnvelope(spec: EnvelopeSpec, tokens: Record<TokenKind, string | undefined>): Json {
  const token = tokens[spec.token];
  const options = { locale: spec.locale, ...(token === undefined ? {} : { token }) };
  const built: Record<string, () => RequestEnvelope> = {
    launch: () => launch(options),
    order: () => intent('OrderRideIntent', { ...options, slots: { destination: spec.destination } }),
    'order-no-destination': () => intent('OrderRideIntent', { ...options, slots: { destination: undefined } }),
    status: () => intent('RideStatusIntent', options),
    cancel: () => intent('CancelRideIntent', options),
    'cancel-confirmed': () => intent('CancelRideIntent', { ...options, confirmationStatus: 'CONFIRMED' }),
    who: () => intent('WhoAmIIntent', options),
    help: () => intent('AMAZON.HelpIntent', options),
    stop: () => intent('AMAZON.StopIntent', options),
    fallback: () => intent('AMAZON.FallbackIntent', options),
    'unknown-intent': () => intent('NoSuchIntent', options),
    'session-ended': () => sessionEnded(options),
    'linked-event': () => skillEvent('SkillAccountLinked', { ...options, ...(token === undefined ? {} : { linkedToken: token }) }),
    'enabled-event': () => skillEvent('SkillEnabled', options),
  };
  return JSON.parse(JSON.stringify(built[spec.kind]!())) as Json;
}

/**
 * A mutated valid envelope (mostly), or a random JSON object where an envelope should be. Not a bare JSON value:
 * Alexa (and the Lambda runtime) only ever hand over an object, and the HTTP endpoint refuses anything else itself.
 */
const fuzzedEnvelope = fc.oneof(
  { arbitrary: fc.record({ spec: validEnvelope, mutations }).map((x) => ({ ...x, random: undefined })), weight: 8 },
  { arbitrary: fc.record({ spec: validEnvelope, mutations: fc.constant<Mutation[]>([]) }).map((x) => ({ ...x, random: undefined })), weight: 1 },
  {
    arbitrary: fc.dictionary(fc.constantFrom('version', 'request', 'session', 'context', 'type', 'x'), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, { maxKeys: 5 })
      .map((random) => ({ spec: undefined, mutations: [] as Mutation[], random: random as Json })),
    weight: 1,
  },
);

type Fuzzed = typeof fuzzedEnvelope extends fc.Arbitrary<infer T> ? T : never;

function materialise(fuzzed: Fuzzed, tokens: Record<TokenKind, string | undefined>): Json {
  if (fuzzed.spec === undefined) return fuzzed.random ?? null;
  const envelope = buildEnvelope(fuzzed.spec, tokens);
  for (const mutation of fuzzed.mutations) mutate(envelope, mutation);
  return envelope;
}

function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

/** For the report: the shape of what was sent, not its (possibly huge) content. */
function describeInput(fuzzed: Fuzzed): string {
  if (fuzzed.spec === undefined) return `random JSON value (${typeof fuzzed.random})`;
  return `${fuzzed.spec.kind}/${fuzzed.spec.token} with ${fuzzed.mutations.map((m) => `${m.path.join('.')}=${m.value === DELETE ? '<deleted>' : Array.isArray(m.value) ? 'array' : typeof m.value}`).join(', ') || 'no mutation'}`;
}

// ---------------------------------------------------------------------------------------------------------------

describe('fuzzing the skill with random and mutated envelopes', function () {
  this.timeout(90_000);

  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => void process.off('unhandledRejection', onUnhandled));
  afterEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled.map((reason) => (reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason)))).to.deep.equal([]);
  });

  describe('(a) straight into skill.invoke', () => {
    /** What the fake API does on the next call; fast-check picks it per run. */
    type ApiOutcome = 'ok' | 'no-ride' | 'unavailable' | 'relink' | 'scope' | 'active' | 'crash';
    let outcome: ApiOutcome = 'ok';
    const act = async <T>(value: T): Promise<T> => {
      switch (outcome) {
        case 'ok':
          return value;
        case 'no-ride':
          return undefined as T;
        case 'unavailable':
          throw new ApiUnavailable('status_503');
        case 'relink':
          throw new AccountLinkRequired('token_rejected');
        case 'scope':
          throw new ScopeMissing('order_car');
        case 'active':
          throw new RideAlreadyActive(RIDE);
        case 'crash':
          throw new TypeError('something internal broke');
      }
    };
    const rides: RideClient = {
      me: () => act(ANN),
      orderRide: () => act(RIDE),
      currentRide: () => act(RIDE),
      cancelRide: () => act({ ...RIDE, status: 'cancelled' }),
    };

    it('resolves every one of 3,000 envelopes with a valid response, rejecting only a skill-ID mismatch', async () => {
      const issuer = await createTestIssuer();
      const tokens: Record<TokenKind, string | undefined> = {
        none: undefined,
        valid: await issuer.token(),
        'no-scopes': await issuer.token({ scope: '' }),
        garbage: 'not.a.jwt',
      };
      const deps = { rides, tokens: createTokenVerifier(issuer.config, { keys: issuer.keys }), logger: createMemoryLogger('silent') };
      const skills = { anyId: buildSkill({ ...deps, skillId: undefined }), ourId: buildSkill({ ...deps, skillId: TEST_SKILL_ID }) };

      await fc.assert(
        fc.asyncProperty(
          fuzzedEnvelope,
          fc.constantFrom<ApiOutcome>('ok', 'no-ride', 'unavailable', 'relink', 'scope', 'active', 'crash'),
          fc.constantFrom('anyId', 'ourId') as fc.Arbitrary<keyof typeof skills>,
          async (fuzzed, apiOutcome, which) => {
            outcome = apiOutcome;
            const envelope = materialise(fuzzed, tokens);
            let result: unknown;
            try {
              result = await skills[which].invoke(envelope as unknown as RequestEnvelope);
            } catch (error) {
              const mismatch = which === 'ourId' && path(envelope, 'context', 'System', 'application', 'applicationId') !== TEST_SKILL_ID;
              if (!mismatch) throw new Error(`invoke rejected (${error instanceof Error ? error.name : typeof error}) for ${describeInput(fuzzed)}`);
              return;
            }
            if (!isAlexaResponse(result)) throw new Error(`invalid response envelope for ${describeInput(fuzzed)}`);
          },
        ),
        { numRuns: 3_000, seed: SEED },
      );
    });
  });

  describe('(b) through the HTTP endpoint', () => {
    let stub: StubApi;
    let stack: Stack;
    let unverified: SkillEndpoint;
    let tokens: Record<TokenKind, string | undefined>;

    before(async () => {
      stub = await startStubApi();
      stub.script('GET', '/v1/me', { status: 200, body: ANN });
      stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
      stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
      stub.script('DELETE', '/v1/rides/current', { status: 200, body: { ...RIDE, status: 'cancelled' } });
      stack = await startStack({ rideApiUrl: stub.url });
      unverified = await startEndpoint({ rideApiUrl: stub.url, issuer: stack.issuer, verification: 'off' });
      tokens = { none: undefined, valid: await stack.issuer.token(), 'no-scopes': await stack.issuer.token({ scope: '' }), garbage: 'not.a.jwt' };
    });
    afterEach(() => stub.verify());
    after(async () => {
      await unverified?.close();
      await stack?.close();
      await stub?.close();
    });

    /** Bodies that are not envelopes at all: text, broken JSON, JSON that is not an object. */
    const rawBody = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value).slice(0, -1)),
    );
    const body = fc.oneof(
      { arbitrary: fuzzedEnvelope.map((fuzzed) => ({ fuzzed, text: undefined as string | undefined })), weight: 5 },
      { arbitrary: rawBody.map((text) => ({ fuzzed: undefined as Fuzzed | undefined, text })), weight: 1 },
    );

    const statuses = new Map<number, number>();

    async function checkAnswer(endpoint: SkillEndpoint, input: { fuzzed: Fuzzed | undefined; text: string | undefined }): Promise<void> {
      const text = input.text ?? JSON.stringify(materialise(input.fuzzed!, tokens)) ?? 'null';
      const what = input.fuzzed ? describeInput(input.fuzzed) : `raw body of ${text.length} characters`;
      const answer = await endpoint.post(text);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 200) {
        if (!isAlexaResponse(answer.json)) throw new Error(`200 without a valid Alexa response for ${what}`);
        return;
      }
      const json = answer.json as Record<string, unknown> | undefined;
      const keys = json === undefined || json === null ? [] : Object.keys(json);
      if (answer.status >= 500 || keys.length !== 1 || !ERROR_CODES.includes(json!['error'] as never) || answer.text.length > 100) {
        throw new Error(`HTTP ${answer.status} ${answer.text.slice(0, 100)} for ${what}`);
      }
    }

    it('answers 500 fuzzed bodies with verification off: never a 500, a valid response or a small {error} body', async () => {
      statuses.clear();
      await fc.assert(
        fc.asyncProperty(body, (input) => checkAnswer(unverified, input)),
        { numRuns: 500, seed: SEED },
      );
      // The fuzz reached dispatch, not only the refusals.
      expect(statuses.get(200) ?? 0).to.be.above(50);
    });

    it('answers 300 correctly signed fuzzed bodies with verification on the same way', async () => {
      statuses.clear();
      await fc.assert(
        fc.asyncProperty(body, (input) => checkAnswer(stack.endpoint, input)),
        { numRuns: 300, seed: SEED + 1 },
      );
      expect(statuses.get(200) ?? 0).to.be.above(30);
    });
  });
});
