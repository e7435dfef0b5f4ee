/**
 * The few request fields read outside handlers (logging, locale, the error handler), read defensively: the error
 * handler and the request log must still work when an envelope is malformed — that is when they are needed most.
 */
import type { RequestEnvelope } from 'ask-sdk-model';

export interface RequestFields {
  type: string | undefined;
  requestId: string | undefined;
  intent: string | undefined;
  locale: string | undefined;
}

export function requestFields(envelope: RequestEnvelope): RequestFields {
  const request = (envelope as { request?: unknown }).request as Record<string, unknown> | null | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const intent = request?.intent as Record<string, unknown> | null | undefined;
  return {
    type: text(request?.type),
    requestId: text(request?.requestId),
    intent: text(intent?.name),
    locale: text(request?.locale),
  };
}
