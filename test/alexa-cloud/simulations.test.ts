/**
 * The simulations route (SMAPI v2, what `ask dialog` calls) over a fake skill directory and an in-process function:
 * understanding with the DEPLOYED model, sessions kept across turns until the skill ends them, the linked token,
 * the result fields `ask dialog` reads, and its failures. Also: the AlexaSimulator delivering to a function.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import express from 'express';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { FunctionRunner, InvocationResult, SkillDirectory, SkillView } from '../../local/alexa-cloud/contracts.js';
import { sendToFunction } from '../../local/alexa-cloud/runtime/send-to-function.js';
import { createSimulationsRouter, SKILL_PROBLEM_CAPTION } from '../../local/alexa-cloud/simulations.js';
import { AlexaSimulator, MemoryTokenStore } from '../../local/alexa/index.js';
import type { LinkingConfig } from '../../local/alexa/linking.js';

const SKILL_ID = 'amzn1.ask.skill.11111111-2222-4333-8444-555555555555';
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:ride-fn';

/** A deployed model unlike skill-package/: its own invocation name and intent, so a match proves which one is used. */
const DEPLOYED_MODEL = {
  interactionModel: {
    languageModel: {
      invocationName: 'test taxi',
      intents: [
        { name: 'BeamIntent', samples: ['beam me to {place}'], slots: [{ name: 'place', type: 'AMAZON.City' }] },
        { name: 'ByeIntent', samples: ['that is all'] },
        { name: 'AMAZON.StopIntent', samples: [] },
        { name: 'AMAZON.FallbackIntent', samples: [] },
      ],
    },
  },
};

function view(overrides: Partial<SkillView> = {}): SkillView {
  return {
    skillId: SKILL_ID,
    stage: 'development',
    manifest: { publishingInformation: { locales: { 'en-US': { name: 'Test Taxi' } } }, apis: { custom: { endpoint: { uri: ARN } } } },
    interactionModels: { 'en-US': DEPLOYED_MODEL },
    enabled: true,
    ...overrides,
  };
}

/** Answers like a skill: counts turns in session attributes, ends the session on ByeIntent, fails on demand. */
class InProcessFunction implements FunctionRunner {
  readonly events: RequestEnvelope[] = [];
  failWith: string | undefined;

  async invoke(name: string, event: unknown): Promise<InvocationResult> {
    if (name !== ARN) return { ok: false, errorType: 'ResourceNotFoundException', errorMessage: name, durationMs: 0 };
    const envelope = event as RequestEnvelope;
    this.events.push(envelope);
    if (this.failWith) return { ok: false, errorType: 'Error', errorMessage: this.failWith, durationMs: 3 };
    const turns = Number(envelope.session?.attributes?.turns ?? 0) + 1;
    const request = envelope.request;
    const what = request.type === 'IntentRequest' ? request.intent.name : request.type;
    const payload: ResponseEnvelope = {
      version: '1.0',
      sessionAttributes: { turns },
      response: { outputSpeech: { type: 'SSML', ssml: `<speak>${what} number ${turns}</speak>` }, shouldEndSession: what === 'ByeIntent' },
    };
    return { ok: true, payload, durationMs: 2 };
  }

  async deploy(): Promise<void> {}
  async configure(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('alexa-cloud simulations route (ask dialog)', () => {
  let server: Server;
  let base: string;
  let skill: SkillView;
  let fn: InProcessFunction;
  let token: string | undefined;
  let triggerProblem: (arn: string, skillId: string) => string | undefined;

  before(async () => {
    const skills: SkillDirectory = { get: (id, stage) => (id === skill.skillId && stage === skill.stage ? skill : undefined) };
    const app = express();
    app.use(
      createSimulationsRouter({
        skills,
        runner: { invoke: (n, e) => fn.invoke(n, e) } as FunctionRunner,
        alexaTriggerProblem: (arn, skillId) => triggerProblem(arn, skillId),
        accessToken: async () => token,
        pollWaitMs: 2000,
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/skills`;
  });

  after(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    skill = view();
    fn = new InProcessFunction();
    token = undefined;
    triggerProblem = () => undefined;
  });

  async function simulate(content: string, options: { newSession?: boolean; locale?: string; skillId?: string } = {}): Promise<{ status: string; result: any }> {
    const body = { input: { content }, device: { locale: options.locale ?? 'en-US' }, ...(options.newSession ? { session: { mode: 'FORCE_NEW_SESSION' } } : {}) };
    const started = await fetch(`${base}/${options.skillId ?? SKILL_ID}/stages/development/simulations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const startBody = (await started.json()) as { id: string; status: string; message?: string };
    if (started.status !== 200) throw Object.assign(new Error(startBody.message), { status: started.status });
    expect(startBody.status).to.equal('IN_PROGRESS');
    const polled = await fetch(`${base}/${SKILL_ID}/stages/development/simulations/${startBody.id}`);
    expect(polled.status).to.equal(200);
    return (await polled.json()) as { status: string; result: any };
  }

  it('answers a launch with the caption and the invocation ask dialog prints and saves', async () => {
    const { status, result } = await simulate('open test taxi', { newSession: true });
    expect(status).to.equal('SUCCESSFUL');
    expect(result.alexaExecutionInfo.alexaResponses).to.deep.equal([{ type: 'Speech', content: { caption: 'LaunchRequest number 1' } }]);
    const [invocation] = result.skillExecutionInfo.invocations;
    expect(invocation.invocationRequest.endpoint).to.equal(ARN);
    expect(invocation.invocationRequest.body.request.type).to.equal('LaunchRequest');
    expect(invocation.invocationRequest.body.session.new).to.equal(true);
    expect(invocation.invocationRequest.body.context.System.application.applicationId).to.equal(SKILL_ID);
    expect(invocation.invocationResponse.body.response.shouldEndSession).to.equal(false);
    expect(invocation.metrics.skillExecutionTimeInMilliseconds).to.equal(2);
  });

  it('understands with the deployed interaction model, not skill-package/', async () => {
    const { result } = await simulate('beam me to Paris', { newSession: true });
    expect(result.alexaExecutionInfo.consideredIntents[0].name).to.equal('BeamIntent');
    expect(result.alexaExecutionInfo.consideredIntents[0].slots.place.value).to.equal('Paris');
    // "order a ride" exists only in skill-package/: the deployed model does not know it.
    const other = await simulate('order a ride to the airport', { newSession: true });
    expect(other.result.alexaExecutionInfo.consideredIntents[0].name).to.equal('AMAZON.FallbackIntent');
  });

  it('keeps the session across turns until the skill ends it, and starts a new one when forced', async () => {
    await simulate('open test taxi', { newSession: true });
    const second = await simulate('beam me to Rome');
    const third = await simulate('that is all');
    const fourth = await simulate('beam me to Oslo');
    const forced = await simulate('beam me to Bonn', { newSession: true });
    const [first, secondEvent, thirdEvent, fourthEvent, forcedEvent] = fn.events;
    expect(second.result.alexaExecutionInfo.alexaResponses[0].content.caption).to.equal('BeamIntent number 2');
    expect(secondEvent!.session!.sessionId).to.equal(first!.session!.sessionId);
    expect(secondEvent!.session!.new).to.equal(false);
    expect(secondEvent!.session!.attributes).to.deep.equal({ turns: 1 });
    expect(thirdEvent!.session!.sessionId).to.equal(first!.session!.sessionId);
    expect(third.result.skillExecutionInfo.invocations[0].invocationResponse.body.response.shouldEndSession).to.equal(true);
    expect(fourthEvent!.session!.sessionId).to.not.equal(first!.session!.sessionId);
    expect(fourthEvent!.session!.new).to.equal(true);
    expect(fourth.result.alexaExecutionInfo.alexaResponses[0].content.caption).to.equal('BeamIntent number 1');
    expect(forcedEvent!.session!.sessionId).to.not.equal(fourthEvent!.session!.sessionId);
  });

  it("sends the linked account's access token, and none when unlinked", async () => {
    await simulate('open test taxi', { newSession: true });
    token = 'linked-access-token';
    await simulate('beam me to Rome');
    expect(fn.events[0]!.context.System.user).to.not.have.property('accessToken');
    expect(fn.events[1]!.context.System.user.accessToken).to.equal('linked-access-token');
    expect(fn.events[1]!.session!.user.accessToken).to.equal('linked-access-token');
  });

  it("reports a failing function as Alexa does: the problem caption, the error, the request", async () => {
    fn.failWith = 'RIDE_API_URL: not set';
    const { status, result } = await simulate('open test taxi', { newSession: true });
    expect(status).to.equal('SUCCESSFUL');
    expect(result.alexaExecutionInfo.alexaResponses[0].content.caption).to.equal(SKILL_PROBLEM_CAPTION);
    expect(result.error.message).to.contain('RIDE_API_URL: not set');
    expect(result.skillExecutionInfo.invocations[0].invocationResponse).to.equal(null);
  });

  it('fails simulations the skill cannot take: not enabled, locale missing, no endpoint', async () => {
    skill = view({ enabled: false });
    const disabled = await simulate('open test taxi', { newSession: true });
    expect(disabled.status).to.equal('FAILED');
    expect(disabled.result.error.message).to.contain('not enabled');
    skill = view();
    const locale = await simulate('öffne test taxi', { newSession: true, locale: 'de-DE' });
    expect(locale.status).to.equal('FAILED');
    expect(locale.result.error.message).to.contain('Locale de-DE was not found');
    skill = view({ manifest: { publishingInformation: { locales: { 'en-US': {} } }, apis: { custom: {} } } });
    const noEndpoint = await simulate('open test taxi', { newSession: true });
    expect(noEndpoint.result.error.message).to.contain('apis.custom.endpoint.uri');
    expect(fn.events).to.deep.equal([]);
  });

  it('refuses an unknown skill (404) and a request without content (400), as SMAPI does', async () => {
    const unknown = await simulate('open test taxi', { skillId: 'amzn1.ask.skill.unknown' }).catch((error: { status: number }) => error);
    expect((unknown as { status: number }).status).to.equal(404);
    const response = await fetch(`${base}/${SKILL_ID}/stages/development/simulations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"device":{"locale":"en-US"}}' });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as { violations: unknown[] }).violations).to.have.length(1);
    const missing = await fetch(`${base}/${SKILL_ID}/stages/development/simulations/no-such-id`);
    expect(missing.status).to.equal(404);
  });
});

describe('AlexaSimulator delivering to a deployed function (sendToFunction)', () => {
  it('sends unsigned envelopes through the runner and reads the answer', async () => {
    const fn = new InProcessFunction();
    const simulator = new AlexaSimulator({
      send: sendToFunction(fn, ARN),
      linking: { clientId: 'x' } as unknown as LinkingConfig,
      tokenStore: new MemoryTokenStore(),
      skillId: SKILL_ID,
      interactionModel: DEPLOYED_MODEL as never,
    });
    const turn = await simulator.say('beam me to Lima');
    expect(turn.speech).to.equal('BeamIntent number 1');
    expect(fn.events[0]!.context.System.application.applicationId).to.equal(SKILL_ID);
    fn.failWith = 'boom';
    const failure = await simulator.say('beam me to Quito').catch((error: Error) => error);
    expect((failure as Error).name).to.equal('SkillRequestError');
    expect((failure as Error).message).to.contain('Error: boom');
  });
});
