import { join } from 'node:path';
import { expect } from 'chai';
import {
  getAccountLinkingAccessToken,
  getDialogState,
  getIntentName,
  getRequestType,
  getSlot,
  getSlotValue,
  isNewSession,
  SkillBuilders,
  type HandlerInput,
} from 'ask-sdk-core';
import type { IntentRequest, RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { PROJECT_ROOT } from '../../local/alexa/config.js';
import { DialogSession } from '../../local/alexa/dialog-session.js';
import { simulatorIdentity } from '../../local/alexa/envelopes.js';
import { loadInteractionModel, type Locale } from '../../local/alexa/interaction-model.js';
import { createNlu } from '../../local/alexa/nlu.js';
import { renderTurn } from '../../local/alexa/render.js';

const SKILL_ID = 'amzn1.ask.skill.test';

/** A small real ASK SDK skill standing in for Ride Hailer: dialog directives, a LinkAccount card, attributes. */
function fakeSkill() {
  const received: RequestEnvelope[] = [];
  const is = (type: string, name?: string) => (input: HandlerInput) =>
    getRequestType(input.requestEnvelope) === type && (name === undefined || getIntentName(input.requestEnvelope) === name);
  const skill = SkillBuilders.custom()
    .withSkillId(SKILL_ID)
    .addRequestInterceptors({
      process(input) {
        received.push(input.requestEnvelope);
        const attributes = input.attributesManager.getSessionAttributes();
        if (input.requestEnvelope.session) input.attributesManager.setSessionAttributes({ ...attributes, turns: Number(attributes.turns ?? 0) + 1 });
      },
    })
    .addRequestHandlers(
      { canHandle: is('LaunchRequest'), handle: (input) => input.responseBuilder.speak('<speak>Welcome to <emphasis>Ride Hailer</emphasis>.</speak>').reprompt('What now?').getResponse() },
      {
        canHandle: is('IntentRequest', 'OrderRideIntent'),
        handle(input) {
          if (!getAccountLinkingAccessToken(input.requestEnvelope)) {
            return input.responseBuilder.speak('Please link your account.').withLinkAccountCard().getResponse();
          }
          const destination = getSlotValue(input.requestEnvelope, 'destination');
          if (!destination) {
            return input.responseBuilder.speak('Where to?').reprompt('Where would you like to go?').addElicitSlotDirective('destination').getResponse();
          }
          return input.responseBuilder.speak(`Ordered a car to ${destination}.`).withSimpleCard('Ride ordered', `To ${destination}`).withShouldEndSession(true).getResponse();
        },
      },
      {
        canHandle: is('IntentRequest', 'CancelRideIntent'),
        handle(input) {
          const status = (input.requestEnvelope.request as IntentRequest).intent.confirmationStatus;
          if (status === 'NONE') return input.responseBuilder.speak('Cancel your ride?').reprompt('Cancel it?').addConfirmIntentDirective().getResponse();
          return input.responseBuilder.speak(status === 'CONFIRMED' ? 'Cancelled.' : 'Kept your ride.').withShouldEndSession(true).getResponse();
        },
      },
      { canHandle: is('IntentRequest', 'AMAZON.StopIntent'), handle: (input) => input.responseBuilder.speak('Goodbye.').withShouldEndSession(true).getResponse() },
      { canHandle: is('SessionEndedRequest'), handle: (input) => input.responseBuilder.getResponse() },
      { canHandle: () => true, handle: (input) => input.responseBuilder.speak('Sorry?').reprompt('Say that again?').getResponse() },
    )
    .create();
  // Round-trip through JSON, as over HTTP.
  const send = async (envelope: RequestEnvelope): Promise<ResponseEnvelope> =>
    JSON.parse(JSON.stringify(await skill.invoke(JSON.parse(JSON.stringify(envelope))))) as ResponseEnvelope;
  return { received, send };
}

async function dialogWith(options: { accessToken?: string; locale?: Locale } = {}) {
  const locale = options.locale ?? 'en-US';
  const model = await loadInteractionModel(join(PROJECT_ROOT, 'skill-package'), locale);
  const skill = fakeSkill();
  const dialog = new DialogSession({
    nlu: createNlu(model, { locale, skillId: SKILL_ID }),
    send: skill.send,
    identity: simulatorIdentity(SKILL_ID, locale),
    locale,
    accessToken: async () => options.accessToken,
  });
  return { dialog, received: skill.received };
}

describe('simulator dialog session', () => {
  it('starts a new session on launch and strips SSML from the speech', async () => {
    const { dialog, received } = await dialogWith();
    const turn = await dialog.say('open ride hailer');
    expect(turn.requestType).to.equal('LaunchRequest');
    expect(turn.speech).to.equal('Welcome to Ride Hailer.');
    expect(turn.reprompt).to.equal('What now?');
    expect(turn.ended).to.equal(false);
    expect(dialog.isOpen).to.equal(true);
    expect(isNewSession(received[0]!)).to.equal(true);
  });

  it('fills the elicited slot from the next utterance, in the same session, with dialogState IN_PROGRESS', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1' });
    const first = await dialog.say('order a ride');
    expect(first.directives.map((d) => d.type)).to.deep.equal(['Dialog.ElicitSlot']);
    expect(first.ended).to.equal(false);
    expect(getDialogState(received[0]!)).to.equal('STARTED');

    const second = await dialog.say('to the airport');
    const request = received[1]!;
    expect(getIntentName(request)).to.equal('OrderRideIntent');
    expect(getSlotValue(request, 'destination')).to.equal('the airport');
    expect(getSlot(request, 'destination').resolutions?.resolutionsPerAuthority?.[0]?.values[0]?.value.name).to.equal('airport');
    expect(getDialogState(request)).to.equal('IN_PROGRESS');
    expect(isNewSession(request)).to.equal(false);
    expect(request.session?.sessionId).to.equal(received[0]!.session?.sessionId);
    expect(second.speech).to.equal('Ordered a car to the airport.');
    expect(second.card).to.deep.equal({ type: 'Simple', title: 'Ride ordered', content: 'To the airport' });
  });

  it('takes the raw answer as the elicited slot value when no slot sample matches', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1' });
    await dialog.say('order a ride');
    await dialog.say('Atlantis');
    expect(getSlotValue(received[1]!, 'destination')).to.equal('Atlantis');
  });

  it('lets stop interrupt an elicitation', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1' });
    await dialog.say('order a ride');
    const turn = await dialog.say('stop');
    expect(getIntentName(received[1]!)).to.equal('AMAZON.StopIntent');
    expect(turn.ended).to.equal(true);
  });

  it('sets CONFIRMED on the same intent after a ConfirmIntent directive and "yes"', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1' });
    const ask = await dialog.say('cancel my ride');
    expect(ask.directives[0]?.type).to.equal('Dialog.ConfirmIntent');
    const done = await dialog.say('yes');
    const request = received[1]!.request as IntentRequest;
    expect(request.intent.name).to.equal('CancelRideIntent');
    expect(request.intent.confirmationStatus).to.equal('CONFIRMED');
    expect(request.dialogState).to.equal('IN_PROGRESS');
    expect(done.speech).to.equal('Cancelled.');
  });

  it('sets DENIED after "nein" in German', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1', locale: 'de-DE' });
    await dialog.say('storniere meine Fahrt');
    const done = await dialog.say('nein');
    expect((received[1]!.request as IntentRequest).intent.confirmationStatus).to.equal('DENIED');
    expect(done.speech).to.equal('Kept your ride.');
  });

  it('carries the session attributes of the last response into the next request', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1' });
    await dialog.say('open ride hailer');
    await dialog.say('sing me a song');
    await dialog.say('sing it again');
    expect(received[0]!.session?.attributes).to.deep.equal({});
    expect(received[1]!.session?.attributes).to.deep.equal({ turns: 1 });
    expect(received[2]!.session?.attributes).to.deep.equal({ turns: 2 });
  });

  it('ends the session on shouldEndSession: true and starts a new one on the next utterance', async () => {
    const { dialog, received } = await dialogWith({ accessToken: 'token-1' });
    const turn = await dialog.say('order a ride to work');
    expect(turn.ended).to.equal(true);
    expect(dialog.isOpen).to.equal(false);
    await dialog.say('open ride hailer');
    expect(isNewSession(received[1]!)).to.equal(true);
    expect(received[1]!.session?.sessionId).to.not.equal(received[0]!.session?.sessionId);
    expect(received[1]!.session?.attributes).to.deep.equal({});
  });

  it('offers linking after a LinkAccount card, and the skill sees no token while unlinked', async () => {
    const { dialog, received } = await dialogWith();
    const turn = await dialog.say('order a ride to the airport');
    expect(getAccountLinkingAccessToken(received[0]!)).to.equal(undefined);
    expect(turn.card?.type).to.equal('LinkAccount');
    expect(turn.linkRequested).to.equal(true);
    expect(renderTurn(turn)).to.include('LinkAccount');
  });

  it('sends SessionEndedRequest when the user quits with a session open, and nothing when none is', async () => {
    const { dialog, received } = await dialogWith();
    await dialog.end();
    expect(received).to.have.length(0);
    await dialog.say('open ride hailer');
    await dialog.end();
    expect(getRequestType(received[1]!)).to.equal('SessionEndedRequest');
    expect((received[1]!.request as { reason: string }).reason).to.equal('USER_INITIATED');
    expect(received[1]!.session?.sessionId).to.equal(received[0]!.session?.sessionId);
    expect(dialog.isOpen).to.equal(false);
  });

  it('sends unmatched utterances as AMAZON.FallbackIntent', async () => {
    const { dialog, received } = await dialogWith();
    await dialog.say('purple elephants');
    expect(getIntentName(received[0]!)).to.equal('AMAZON.FallbackIntent');
  });

  it('never shows the access token when rendering a turn', async () => {
    const { dialog } = await dialogWith({ accessToken: 'super-secret-access-token' });
    const turns = [await dialog.say('order a ride'), await dialog.say('to the airport')];
    for (const turn of turns) {
      expect(renderTurn(turn)).to.not.include('super-secret-access-token');
      expect(JSON.stringify(turn)).to.not.include('super-secret-access-token');
    }
  });
});
