/** Request envelopes shaped like Alexa's, for driving the skill directly in tests and benchmarks. */
import { randomUUID } from 'node:crypto';
import type { RequestEnvelope } from 'ask-sdk-model';

export const TEST_SKILL_ID = 'amzn1.ask.skill.test-0000';

export interface EnvelopeOptions {
  token?: string;
  locale?: string;
  requestId?: string;
  newSession?: boolean;
  timestamp?: string;
}

type Request = Record<string, unknown> & { type: string };

export function envelope(request: Request, options: EnvelopeOptions = {}): RequestEnvelope {
  const user = { userId: 'amzn1.ask.account.TESTUSER', ...(options.token ? { accessToken: options.token } : {}) };
  const application = { applicationId: TEST_SKILL_ID };
  return {
    version: '1.0',
    session: { new: options.newSession ?? true, sessionId: 'amzn1.echo-api.session.test', application, user, attributes: {} },
    context: {
      System: {
        application,
        user,
        device: { deviceId: 'amzn1.ask.device.TEST', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
        apiAccessToken: 'not-a-real-api-access-token',
      },
    },
    request: {
      requestId: options.requestId ?? `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: options.timestamp ?? new Date().toISOString(),
      locale: options.locale ?? 'en-US',
      ...request,
    },
  } as unknown as RequestEnvelope;
}

export const launch = (options?: EnvelopeOptions) => envelope({ type: 'LaunchRequest' }, options);

export function intent(
  name: string,
  options: EnvelopeOptions & { slots?: Record<string, string | undefined>; confirmationStatus?: 'NONE' | 'CONFIRMED' | 'DENIED' } = {},
): RequestEnvelope {
  const slots = Object.fromEntries(
    Object.entries(options.slots ?? {}).map(([slot, value]) => [slot, { name: slot, confirmationStatus: 'NONE', ...(value === undefined ? {} : { value }) }]),
  );
  return envelope({ type: 'IntentRequest', dialogState: 'STARTED', intent: { name, confirmationStatus: options.confirmationStatus ?? 'NONE', slots } }, options);
}

export const sessionEnded = (options?: EnvelopeOptions) => envelope({ type: 'SessionEndedRequest', reason: 'USER_INITIATED' }, options);

export function skillEvent(type: 'SkillAccountLinked' | 'SkillEnabled' | 'SkillDisabled', options: EnvelopeOptions & { linkedToken?: string } = {}): RequestEnvelope {
  const body = type === 'SkillAccountLinked' ? { body: { accessToken: options.linkedToken } } : {};
  return envelope({ type: `AlexaSkillEvent.${type}`, eventCreationTime: new Date().toISOString(), eventPublishingTime: new Date().toISOString(), ...body }, options);
}
