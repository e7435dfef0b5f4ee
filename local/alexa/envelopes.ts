/**
 * Request envelopes exactly as Alexa sends them to a custom skill: in-session requests (launch, intent, session
 * ended) and out-of-session skill events. Pure functions: the caller passes the clock, ids and the access token.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DialogState, Intent, RequestEnvelope, SessionEndedErrorType, SessionEndedReason } from 'ask-sdk-model';
import type { Locale } from './interaction-model.js';

/** Who is talking to the skill: stable ids for the simulated Alexa user and device. */
export interface AlexaIdentity {
  skillId: string;
  userId: string;
  deviceId: string;
  apiEndpoint: string;
  /** Alexa's own API token (for Alexa APIs, not the linked account). Opaque here; the skill must not rely on it. */
  apiAccessToken: string;
}

export interface SessionState {
  sessionId: string;
  /** true only for the first request of the session. */
  new: boolean;
  /** The sessionAttributes of the skill's last response in this session. */
  attributes: Record<string, unknown>;
}

export interface EnvelopeInput {
  identity: AlexaIdentity;
  locale: Locale;
  /** The linked account's access token; undefined when the account is not linked. */
  accessToken: string | undefined;
  now: Date;
}

export type SkillEventType = 'SkillAccountLinked' | 'SkillEnabled' | 'SkillDisabled';

/** The same user and device every run (Alexa keeps userId stable per account and skill). */
export function simulatorIdentity(skillId: string, locale: Locale): AlexaIdentity {
  const stable = (label: string) => createHash('sha256').update(`${skillId}:${label}`).digest('hex').toUpperCase();
  return {
    skillId,
    userId: `amzn1.ask.account.${stable('user')}`,
    deviceId: `amzn1.ask.device.${stable('device')}`,
    apiEndpoint: locale === 'en-US' ? 'https://api.amazonalexa.com' : 'https://api.eu.amazonalexa.com',
    apiAccessToken: `simulator.${randomBytes(24).toString('base64url')}`,
  };
}

export const newRequestId = (): string => `amzn1.echo-api.request.${randomUUID()}`;
export const newSessionId = (): string => `amzn1.echo-api.session.${randomUUID()}`;

export function newSession(): SessionState {
  return { sessionId: newSessionId(), new: true, attributes: {} };
}

export function launchRequest(input: EnvelopeInput, session: SessionState): RequestEnvelope {
  return envelope(input, session, { type: 'LaunchRequest', requestId: newRequestId(), timestamp: timestamp(input.now), locale: input.locale });
}

export function intentRequest(input: EnvelopeInput, session: SessionState, intent: Intent, dialogState: DialogState): RequestEnvelope {
  return envelope(input, session, {
    type: 'IntentRequest',
    requestId: newRequestId(),
    timestamp: timestamp(input.now),
    locale: input.locale,
    dialogState,
    intent,
  });
}

export function sessionEndedRequest(
  input: EnvelopeInput,
  session: SessionState,
  reason: SessionEndedReason,
  error?: { type: SessionEndedErrorType; message: string },
): RequestEnvelope {
  return envelope(input, session, {
    type: 'SessionEndedRequest',
    requestId: newRequestId(),
    timestamp: timestamp(input.now),
    locale: input.locale,
    reason,
    ...(error ? { error } : {}),
  });
}

/**
 * An out-of-session skill event. SkillAccountLinked carries the new access token in `request.body.accessToken`;
 * SkillDisabled says whether user data may be kept.
 */
export function skillEventRequest(input: EnvelopeInput, type: SkillEventType): RequestEnvelope {
  const when = timestamp(input.now);
  const common = { requestId: newRequestId(), timestamp: when, locale: input.locale, eventCreationTime: when, eventPublishingTime: when };
  const request =
    type === 'SkillAccountLinked'
      ? { type: 'AlexaSkillEvent.SkillAccountLinked' as const, ...common, body: input.accessToken === undefined ? {} : { accessToken: input.accessToken } }
      : type === 'SkillEnabled'
        ? { type: 'AlexaSkillEvent.SkillEnabled' as const, ...common }
        : { type: 'AlexaSkillEvent.SkillDisabled' as const, ...common, body: { userInformationPersistenceStatus: 'NOT_PERSISTED' } };
  return { version: '1.0', context: context(input), request };
}

function envelope(input: EnvelopeInput, session: SessionState, request: RequestEnvelope['request']): RequestEnvelope {
  const { identity } = input;
  return {
    version: '1.0',
    session: {
      new: session.new,
      sessionId: session.sessionId,
      application: { applicationId: identity.skillId },
      attributes: session.attributes,
      user: user(input),
    },
    context: context(input),
    request,
  };
}

function context(input: EnvelopeInput): RequestEnvelope['context'] {
  const { identity } = input;
  return {
    System: {
      application: { applicationId: identity.skillId },
      user: user(input),
      // A voice-only Echo: no display, no audio player.
      device: { deviceId: identity.deviceId, supportedInterfaces: {} },
      apiEndpoint: identity.apiEndpoint,
      apiAccessToken: identity.apiAccessToken,
    },
  };
}

/** `accessToken` appears only when the account is linked, as with Alexa. */
function user(input: EnvelopeInput) {
  return input.accessToken === undefined
    ? { userId: input.identity.userId }
    : { userId: input.identity.userId, accessToken: input.accessToken };
}

/** Alexa's timestamps are ISO 8601 to the second. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/u, 'Z');
}
