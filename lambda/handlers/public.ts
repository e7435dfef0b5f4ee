/**
 * Handlers that work for everyone, linked or not: they never ask for the account, so an unlinked user (or one whose
 * token has expired) can still get help, stop, or leave.
 */
import { getRequestType, type RequestHandler } from 'ask-sdk-core';
import { recordOutcome } from '../interceptors/request-log.js';
import { messages } from '../speech/index.js';
import { isIntent } from './intent.js';

export const helpHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, 'AMAZON.HelpIntent'),
  handle(input) {
    const say = messages(input);
    recordOutcome(input, 'help');
    return input.responseBuilder.speak(say.help).reprompt(say.helpReprompt).getResponse();
  },
};

export const goodbyeHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, 'AMAZON.StopIntent', 'AMAZON.CancelIntent', 'AMAZON.NavigateHomeIntent'),
  handle(input) {
    recordOutcome(input, 'goodbye');
    return input.responseBuilder.speak(messages(input).goodbye).withShouldEndSession(true).getResponse();
  },
};

export const fallbackHandler: RequestHandler = {
  canHandle: (input) => isIntent(input, 'AMAZON.FallbackIntent'),
  handle(input) {
    const say = messages(input);
    recordOutcome(input, 'fallback');
    return input.responseBuilder.speak(say.fallback).reprompt(say.helpReprompt).getResponse();
  },
};

/** Alexa allows no speech in reply to SessionEndedRequest; the reason is logged by the request log. */
export const sessionEndedHandler: RequestHandler = {
  canHandle: (input) => getRequestType(input.requestEnvelope) === 'SessionEndedRequest',
  handle(input) {
    recordOutcome(input, 'session_ended');
    return input.responseBuilder.getResponse();
  },
};
