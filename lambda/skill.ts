/**
 * buildSkill(deps): the one place where handlers, interceptors and the error handler are wired.
 * Both entries (Lambda in index.ts, express in server.ts) and the tests build the skill through it.
 */
import { SkillBuilders, type Skill } from 'ask-sdk-core';
import { createAccountInterceptor } from './account/account.js';
import { createTokenVerifier, type TokenVerifier } from './account/token-verifier.js';
import { ACCESS_TOKEN_TYPE, type SkillConfig } from './config.js';
import { cancelRideHandler } from './handlers/cancel-ride.js';
import { errorHandler } from './handlers/error-handler.js';
import { launchHandler } from './handlers/launch.js';
import { orderRideHandler } from './handlers/order-ride.js';
import { fallbackHandler, goodbyeHandler, helpHandler, sessionEndedHandler } from './handlers/public.js';
import { rideStatusHandler } from './handlers/ride-status.js';
import { accountLinkedHandler, skillEnablementHandler } from './handlers/skill-events.js';
import { whoAmIHandler } from './handlers/who-am-i.js';
import { createRequestLog } from './interceptors/request-log.js';
import type { Logger } from '../common/logging.js';
import { createRideClient, type RideClient } from './rides/client.js';

export interface SkillDeps {
  /**
   * The skill ID requests must carry; undefined on Lambda without ALEXA_SKILL_ID (the ASK trigger's permission checks
   * the skill there), behind the self-hosted endpoint (whose HTTP layer checks it) and in tests.
   */
  skillId: string | undefined;
  rides: RideClient;
  tokens: TokenVerifier;
  logger: Logger;
  /** Monotonic clock in ms for latency figures. */
  now?: () => number;
}

export function buildSkill(deps: SkillDeps): Skill {
  const log = createRequestLog(deps.logger, deps.now);
  const builder = SkillBuilders.custom()
    // A token in the request: the API will most likely be called, so its client starts loading with the verification.
    .addRequestInterceptors(log.request, createAccountInterceptor(deps.tokens, () => deps.rides.warmUp?.()))
    .addResponseInterceptors(log.response)
    .addRequestHandlers(
      launchHandler(deps.rides),
      orderRideHandler(deps.rides),
      rideStatusHandler(deps.rides),
      cancelRideHandler(deps.rides),
      whoAmIHandler(deps.rides),
      helpHandler,
      goodbyeHandler,
      fallbackHandler,
      sessionEndedHandler,
      accountLinkedHandler(deps.tokens, deps.logger),
      skillEnablementHandler,
    )
    .addErrorHandlers(log.afterErrors(errorHandler))
    .withCustomUserAgent('ride-hailer-skill');
  return (deps.skillId ? builder.withSkillId(deps.skillId) : builder).create();
}

/** The real collaborators for a configuration: the got-based API client and the jose (or opaque) token verifier. */
export function productionDeps(config: SkillConfig, logger: Logger): SkillDeps {
  announceRelaxedTokenType(config, logger);
  return {
    skillId: config.skillId,
    rides: createRideClient(config.rideApi),
    tokens: createTokenVerifier(config.tokens),
    logger,
  };
}

/** Said once at start: with a JWKS configured, anything but `typ: at+jwt` lets other JWTs of the issuer pass as access tokens. */
function announceRelaxedTokenType(config: SkillConfig, logger: Logger): void {
  const tokens = config.tokens;
  if (tokens.mode !== 'jwt' || tokens.tokenType?.toLowerCase() === ACCESS_TOKEN_TYPE) return;
  logger.warn('oauth_token_type_relaxed', {
    message:
      tokens.tokenType === undefined
        ? 'OAUTH_TOKEN_TYPE=any: the JWT typ header is not checked, so an ID token of the same issuer and audience passes as an access token'
        : `OAUTH_TOKEN_TYPE=${tokens.tokenType}: tokens need typ ${tokens.tokenType}, not RFC 9068's at+jwt`,
  });
}
