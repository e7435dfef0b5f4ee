import type { HandlerInput } from 'ask-sdk-core';
import { requestFields } from '../request-fields.js';
import { de } from './de.js';
import { en } from './en.js';
import type { Messages } from './messages.js';

export type { Messages } from './messages.js';

/** en-US and en-GB share English; any other English or unknown locale falls back to it. */
export function messagesFor(locale: string | undefined): Messages {
  return locale?.toLowerCase().startsWith('de') ? de : en;
}

export function messages(input: HandlerInput): Messages {
  return messagesFor(requestFields(input.requestEnvelope).locale);
}
