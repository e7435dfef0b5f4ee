/**
 * AWS Lambda entry for the bridge: a Lambda Function URL or an API Gateway HTTP API (payload format 2.0) in front
 * of the framework-free core. Configuration is read once per container, so a misconfigured function fails its cold
 * start with a message naming the variable.
 *
 * Storage: BRIDGE_STORE=dynamodb (one table shared by every container) is what a production deployment needs; the
 * default SQLite file (BRIDGE_DATA) on Lambda means /tmp and one container, fine for trying it out. The store is
 * opened during the cold start (Lambda's init phase), not at the first request.
 *
 * Secrets: with BRIDGE_SECRETS_ARN set (the CloudFormation template, bridge/deploy/template.json, sets it), BRIDGE_KEY
 * and the two client secrets come from that Secrets Manager secret, read once here (bridge/secrets.ts).
 */
import { createLogger } from '../common/logging.js';
import { EventTooLarge, fromLambdaEvent, toLambdaResult, type HttpApiEventV2, type HttpApiResultV2 } from './adapters/lambda.js';
import { loadBridgeConfig } from './config.js';
import { createBridge } from './core.js';
import { oauthError } from './http/responses.js';
import { openRateLimits } from './rate-limits.js';
import { withBridgeSecrets } from './secrets.js';
import { openStore } from './store/open.js';
import { logConfigWarnings } from './weak-config.js';

const config = await loadBridgeConfig(await withBridgeSecrets(process.env));
const logger = createLogger(config.logLevel);
logConfigWarnings(logger, config.warnings);
const store = await openStore(config.store);
const bridge = createBridge(config, { logger, store, rateLimits: await openRateLimits(config, store, logger) });

export const handler = async (event: HttpApiEventV2): Promise<HttpApiResultV2> => {
  let request;
  try {
    request = fromLambdaEvent(event, config.bodyLimitBytes);
  } catch (error) {
    // RFC 6749 has no code for a large body: invalid_request, with no-store like every answer (json()).
    if (error instanceof EventTooLarge) return toLambdaResult(oauthError(413, 'invalid_request'));
    throw error;
  }
  return toLambdaResult(await bridge.handle(request));
};
