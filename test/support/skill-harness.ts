/** The real skill — real handlers, real got client, real jose verifier — with the API at a nock-able URL and logs in memory. */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { createTokenVerifier } from '../../lambda/account/token-verifier.js';
import { createMemoryLogger } from '../../common/logging.js';
import { createRideClient } from '../../lambda/rides/client.js';
import { buildSkill } from '../../lambda/skill.js';
import { TEST_SKILL_ID } from './envelopes.js';
import { createTestIssuer, type TestIssuer } from './tokens.js';

export interface Harness {
  issuer: TestIssuer;
  logger: ReturnType<typeof createMemoryLogger>;
  invoke(envelope: RequestEnvelope): Promise<ResponseEnvelope>;
}

export async function createHarness(options: { apiUrl: string; totalBudgetMs?: number; opaqueTokens?: boolean }): Promise<Harness> {
  const issuer = await createTestIssuer();
  const logger = createMemoryLogger();
  const skill = buildSkill({
    skillId: TEST_SKILL_ID,
    rides: createRideClient({ baseUrl: new URL(options.apiUrl), totalBudgetMs: options.totalBudgetMs ?? 600 }),
    tokens: options.opaqueTokens ? createTokenVerifier({ mode: 'opaque' }) : createTokenVerifier(issuer.config, { keys: issuer.keys }),
    logger,
  });
  return { issuer, logger, invoke: (envelope) => skill.invoke(envelope) };
}

export function speechOf(response: ResponseEnvelope): string {
  const speech = response.response.outputSpeech;
  return speech?.type === 'SSML' ? speech.ssml.replace(/<[^>]+>/g, '') : (speech?.text ?? '');
}
