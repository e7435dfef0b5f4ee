/**
 * Sends a request envelope to the skill endpoint the way Alexa does: one POST of the JSON body, signed
 * (SignatureCertChainUrl + Signature-256 over the exact bytes sent), with Alexa's 8 s patience.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';

/** Signs the raw body; returns the signature headers. `local/alexa/signing.ts` provides the real one. */
export type RequestSigner = (body: string) => Record<string, string> | Promise<Record<string, string>>;

export type SendToSkill = (envelope: RequestEnvelope) => Promise<ResponseEnvelope>;

export interface SkillClientOptions {
  endpoint: URL | string;
  sign: RequestSigner;
  fetch?: typeof fetch;
  /** Alexa waits 8 s for a skill. */
  timeoutMs?: number;
}

export type SkillRequestErrorCode = 'refused' | 'unreachable' | 'invalid_response';

export class SkillRequestError extends Error {
  override name = 'SkillRequestError';
  constructor(
    readonly code: SkillRequestErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function createSkillClient(options: SkillClientOptions): SendToSkill {
  const endpoint = new URL(options.endpoint);
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 8000;

  return async (envelope) => {
    const body = JSON.stringify(envelope);
    const signature = await options.sign(body);
    let response: Response;
    let text: string;
    try {
      response = await send(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', ...signature },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new SkillRequestError('unreachable', timedOut ? `the skill did not answer within ${timeoutMs} ms` : `the skill endpoint ${endpoint.origin} could not be reached`);
    }
    if (!response.ok) {
      throw new SkillRequestError('refused', `the skill endpoint refused the request with ${response.status}${statusText(response)}`, response.status);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SkillRequestError('invalid_response', 'the skill answered with something that is not JSON', response.status);
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as ResponseEnvelope).version !== 'string') {
      throw new SkillRequestError('invalid_response', 'the skill answered without a response envelope (version, response)', response.status);
    }
    const envelopeOut = parsed as ResponseEnvelope;
    envelopeOut.response ??= {};
    return envelopeOut;
  };
}

function statusText(response: Response): string {
  return response.statusText ? ` ${response.statusText}` : '';
}
