import { getIntentName, getRequestType, type HandlerInput } from 'ask-sdk-core';

/** The one predicate most handlers answer `canHandle` with. */
export function isIntent(input: HandlerInput, ...names: string[]): boolean {
  return getRequestType(input.requestEnvelope) === 'IntentRequest' && names.includes(getIntentName(input.requestEnvelope));
}
