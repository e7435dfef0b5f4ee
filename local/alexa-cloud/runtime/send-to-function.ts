/**
 * Alexa → a deployed Lambda function instead of an HTTPS endpoint: a SendToSkill (local/alexa/skill-client.ts) that
 * invokes through the FunctionRunner. No signature: Alexa signs only requests to HTTPS endpoints; a Lambda target is
 * protected by its resource policy instead. A failed invocation becomes the same SkillRequestError the HTTP client
 * raises, so the simulator and the dialog treat both alike.
 */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { SkillRequestError, type SendToSkill } from '../../alexa/skill-client.js';
import type { FunctionRunner, InvocationResult } from '../contracts.js';

export interface FunctionInvocationRecord {
  endpoint: string;
  request: RequestEnvelope;
  result: InvocationResult;
}

export interface SendToFunctionOptions {
  /** Sees every invocation with its outcome (the simulations route reports them as `skillExecutionInfo`). */
  onInvocation?: (record: FunctionInvocationRecord) => void;
}

export function sendToFunction(runner: FunctionRunner, functionArn: string, options: SendToFunctionOptions = {}): SendToSkill {
  return async (envelope) => {
    const result = await runner.invoke(functionArn, envelope);
    options.onInvocation?.({ endpoint: functionArn, request: envelope, result });
    if (!result.ok) {
      const code = result.errorType === 'Sandbox.Timedout' ? 'unreachable' : 'refused';
      throw new SkillRequestError(code, `the function failed: ${result.errorType}${result.errorMessage ? `: ${result.errorMessage}` : ''}`);
    }
    const payload = result.payload as Partial<ResponseEnvelope> | null;
    if (typeof payload !== 'object' || payload === null || typeof payload.version !== 'string') {
      throw new SkillRequestError('invalid_response', 'the function answered without a response envelope (version, response)');
    }
    const reply = payload as ResponseEnvelope;
    reply.response ??= {};
    return reply;
  };
}
