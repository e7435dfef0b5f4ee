import { expect } from 'chai';
import {
  getAccountLinkingAccessToken,
  getApiAccessToken,
  getDeviceId,
  getDialogState,
  getIntentName,
  getLocale,
  getRequestType,
  getSlot,
  getSlotValue,
  getSupportedInterfaces,
  getUserId,
  isNewSession,
} from 'ask-sdk-core';
import type { RequestEnvelope } from 'ask-sdk-model';
import {
  intentRequest,
  launchRequest,
  newSession,
  sessionEndedRequest,
  simulatorIdentity,
  skillEventRequest,
  type EnvelopeInput,
} from '../../local/alexa/envelopes.js';

const identity = simulatorIdentity('amzn1.ask.skill.test', 'en-US');
const now = new Date('2030-01-01T12:00:00.123Z');
const linked: EnvelopeInput = { identity, locale: 'en-US', accessToken: 'linked-access-token', now };
const unlinked: EnvelopeInput = { ...linked, accessToken: undefined };

const orderRide = {
  name: 'OrderRideIntent',
  confirmationStatus: 'NONE' as const,
  slots: { destination: { name: 'destination', value: 'the airport', confirmationStatus: 'NONE' as const } },
};

describe('simulator request envelopes', () => {
  it('builds a LaunchRequest the ASK SDK reads', () => {
    const envelope = launchRequest(linked, newSession());
    expect(envelope.version).to.equal('1.0');
    expect(getRequestType(envelope)).to.equal('LaunchRequest');
    expect(getLocale(envelope)).to.equal('en-US');
    expect(isNewSession(envelope)).to.equal(true);
    expect(getUserId(envelope)).to.equal(identity.userId);
    expect(getDeviceId(envelope)).to.equal(identity.deviceId);
    expect(getApiAccessToken(envelope)).to.equal(identity.apiAccessToken);
    expect(getSupportedInterfaces(envelope)).to.deep.equal({});
    expect(envelope.context.System.apiEndpoint).to.equal('https://api.amazonalexa.com');
    expect(envelope.context.System.application.applicationId).to.equal('amzn1.ask.skill.test');
    expect(envelope.session?.application.applicationId).to.equal('amzn1.ask.skill.test');
    expect(envelope.request.requestId).to.match(/^amzn1\.echo-api\.request\.[0-9a-f-]{36}$/);
    expect(envelope.session?.sessionId).to.match(/^amzn1\.echo-api\.session\.[0-9a-f-]{36}$/);
    expect(envelope.request.timestamp).to.equal('2030-01-01T12:00:00Z');
  });

  it('builds an IntentRequest with intent, slots, confirmation and dialog state', () => {
    const session = { ...newSession(), new: false, attributes: { step: 2 } };
    const envelope = intentRequest(linked, session, orderRide, 'IN_PROGRESS');
    expect(getRequestType(envelope)).to.equal('IntentRequest');
    expect(getIntentName(envelope)).to.equal('OrderRideIntent');
    expect(getSlotValue(envelope, 'destination')).to.equal('the airport');
    expect(getSlot(envelope, 'destination').confirmationStatus).to.equal('NONE');
    expect(getDialogState(envelope)).to.equal('IN_PROGRESS');
    expect(isNewSession(envelope)).to.equal(false);
    expect(envelope.session?.attributes).to.deep.equal({ step: 2 });
    const request = envelope.request as { intent: { confirmationStatus: string } };
    expect(request.intent.confirmationStatus).to.equal('NONE');
  });

  it('puts the access token in context.System.user and session.user only when linked', () => {
    const withToken = intentRequest(linked, newSession(), orderRide, 'STARTED');
    expect(getAccountLinkingAccessToken(withToken)).to.equal('linked-access-token');
    expect(withToken.session?.user.accessToken).to.equal('linked-access-token');

    const withoutToken = intentRequest(unlinked, newSession(), orderRide, 'STARTED');
    expect(getAccountLinkingAccessToken(withoutToken)).to.equal(undefined);
    expect(withoutToken.context.System.user).to.not.have.property('accessToken');
    expect(withoutToken.session?.user).to.not.have.property('accessToken');
  });

  it('builds a SessionEndedRequest with its reason', () => {
    const envelope = sessionEndedRequest(linked, { ...newSession(), new: false }, 'USER_INITIATED');
    expect(getRequestType(envelope)).to.equal('SessionEndedRequest');
    expect((envelope.request as { reason: string }).reason).to.equal('USER_INITIATED');
  });

  it('sends SkillAccountLinked out of session with the new access token in request.body', () => {
    const envelope: RequestEnvelope = skillEventRequest(linked, 'SkillAccountLinked');
    expect(envelope.session).to.equal(undefined);
    expect(getRequestType(envelope)).to.equal('AlexaSkillEvent.SkillAccountLinked');
    const request = envelope.request as { body: { accessToken?: string }; eventCreationTime: string; eventPublishingTime: string };
    expect(request.body.accessToken).to.equal('linked-access-token');
    expect(request.eventCreationTime).to.equal('2030-01-01T12:00:00Z');
    expect(request.eventPublishingTime).to.equal('2030-01-01T12:00:00Z');
    expect(getUserId(envelope)).to.equal(identity.userId);
  });

  it('sends SkillEnabled and SkillDisabled events', () => {
    expect(getRequestType(skillEventRequest(unlinked, 'SkillEnabled'))).to.equal('AlexaSkillEvent.SkillEnabled');
    const disabled = skillEventRequest(unlinked, 'SkillDisabled');
    expect(getRequestType(disabled)).to.equal('AlexaSkillEvent.SkillDisabled');
    expect(disabled.context.System.user).to.not.have.property('accessToken');
  });

  it('keeps the same user and device ids for the same skill, and uses the EU API endpoint outside en-US', () => {
    expect(simulatorIdentity('amzn1.ask.skill.test', 'de-DE').userId).to.equal(identity.userId);
    expect(simulatorIdentity('amzn1.ask.skill.other', 'en-US').userId).to.not.equal(identity.userId);
    expect(simulatorIdentity('amzn1.ask.skill.test', 'de-DE').apiEndpoint).to.equal('https://api.eu.amazonalexa.com');
  });
});
