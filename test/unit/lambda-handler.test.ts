/**
 * The Lambda entry built from an environment (lambda/lambda-handler.ts): ALEXA_SKILL_ID is optional on Lambda (the
 * ASK trigger's EventSourceToken keeps other skills out; test/alexa-cloud checks the local cloud enforces it), and a
 * misconfigured function still answers — naming every variable at fault in its speech and in one log line.
 */
import { expect } from 'chai';
import { createLambdaHandler } from '../../lambda/lambda-handler.js';
import { intent, launch, sessionEnded, skillEvent, TEST_SKILL_ID } from '../support/envelopes.js';
import { rejection } from '../support/rejection.js';

const API = 'http://127.0.0.1:9';

function handlerFor(env: Record<string, string>) {
  const lines: string[] = [];
  const handler = createLambdaHandler(env, (line) => lines.push(line));
  return { handler, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const withSkillId = (skillId: string) => {
  const envelope = launch();
  (envelope.context.System.application as { applicationId: string }).applicationId = skillId;
  (envelope.session!.application as { applicationId: string }).applicationId = skillId;
  return envelope;
};

describe('Lambda entry: the skill ID', () => {
  it('answers without ALEXA_SKILL_ID (on Lambda the ASK trigger checks the skill)', async () => {
    const { handler } = handlerFor({ RIDE_API_URL: API, LOG_LEVEL: 'silent' });
    const answer = await handler(withSkillId('amzn1.ask.skill.created-by-the-first-deploy'));
    expect(answer.response.card).to.deep.equal({ type: 'LinkAccount' });
  });

  it('refuses a request for another skill when ALEXA_SKILL_ID is set', async () => {
    const { handler } = handlerFor({ ALEXA_SKILL_ID: TEST_SKILL_ID, RIDE_API_URL: API, LOG_LEVEL: 'silent' });
    expect((await handler(launch())).response.card).to.deep.equal({ type: 'LinkAccount' });
    expect(String(await rejection(handler(withSkillId('amzn1.ask.skill.someone-else'))))).to.contain('CustomSkill ID verification failed');
  });
});

describe('Lambda entry: a misconfigured function', () => {
  const broken = { OAUTH_JWKS_URL: 'not-a-url', OAUTH_AUDIENCE: 'https://api', RIDE_API_BUDGET_MS: '99999', LOG_LEVEL: 'loud' };

  it('logs one line naming every variable at fault, with its problem, once per container', async () => {
    const { handler, records } = handlerFor(broken);
    expect(records()).to.have.length(1);
    expect(records()[0]).to.include({
      level: 'error',
      event: 'configuration_invalid',
      variables: 'RIDE_API_URL, RIDE_API_BUDGET_MS, OAUTH_JWKS_URL, OAUTH_ISSUER, LOG_LEVEL',
    });
    expect(records()[0]!.problems).to.contain('OAUTH_ISSUER: not set (it is needed when OAUTH_JWKS_URL is set)');
    await handler(launch());
    await handler(launch());
    expect(records().filter((r) => r.event === 'configuration_invalid')).to.have.length(1);
    expect(records().filter((r) => r.event === 'request').map((r) => r.outcome)).to.deep.equal(['not_configured', 'not_configured']);
  });

  it('answers a launch and an intent with the names of the variables (never their values), ending the session', async () => {
    const { handler } = handlerFor({ ...broken, RIDE_API_URL: 'https://api.example.com', OAUTH_ISSUER: 'https://issuer.example.com' });
    for (const request of [launch(), intent('OrderRideIntent', { slots: { destination: 'airport' } })]) {
      const { response } = await handler(request);
      const speech = (response.outputSpeech as { ssml: string }).ssml;
      expect(speech).to.equal(
        '<speak>Ride Hailer is not set up yet. Its function needs these environment variables set or corrected: RIDE_API_BUDGET_MS, OAUTH_JWKS_URL, LOG_LEVEL. Its log says what is wrong with each.</speak>',
      );
      expect(speech).to.not.contain('not-a-url').and.not.contain('99999').and.not.contain('loud');
      expect(response.shouldEndSession).to.equal(true);
      expect(response.card).to.equal(undefined);
    }
  });

  it('says it in the request\'s language', async () => {
    const { handler } = handlerFor({});
    const speech = ((await handler(launch({ locale: 'de-DE' }))).response.outputSpeech as { ssml: string }).ssml;
    expect(speech).to.contain('Ride Hailer ist noch nicht eingerichtet').and.to.contain('RIDE_API_URL');
  });

  it('answers skill events and SessionEndedRequest without speech, as Alexa requires', async () => {
    const { handler } = handlerFor({});
    for (const request of [sessionEnded(), skillEvent('SkillEnabled')]) expect((await handler(request)).response).to.deep.equal({});
  });

  it('still refuses another skill when ALEXA_SKILL_ID is set', async () => {
    const { handler } = handlerFor({ ALEXA_SKILL_ID: TEST_SKILL_ID });
    expect(((await handler(launch())).response.outputSpeech as { ssml: string }).ssml).to.contain('RIDE_API_URL');
    expect(String(await rejection(handler(withSkillId('amzn1.ask.skill.someone-else'))))).to.contain('CustomSkill ID verification failed');
  });
});
