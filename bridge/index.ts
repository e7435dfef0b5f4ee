/**
 * AWS Lambda entry for the bridge: a Lambda Function URL or an API Gateway HTTP API (payload format 2.0) in front
 * of the framework-free core. Configuration is read once per container, so a misconfigured function fails its cold
 * start with a message naming the variable.
 *
 * Storage: BRIDGE_DATA is a SQLite file; on Lambda that means /tmp and one container, fine for trying it out. A
 * shared store (DynamoDB, behind bridge/store/store.ts) is what a production deployment with many containers needs.
 */
import { createLogger } from '../lambda/logging.js';
import { EventTooLarge, fromLambdaEvent, toLambdaResult, type HttpApiEventV2, type HttpApiResultV2 } from './adapters/lambda.js';
import { loadBridgeConfig } from './config.js';
import { createBridge } from './core.js';
import { json } from './http/responses.js';

const config = await loadBridgeConfig();
const bridge = createBridge(config, { logger: createLogger(config.logLevel) });

export const handler = async (event: HttpApiEventV2): Promise<HttpApiResultV2> => {
  let request;
  try {
    request = fromLambdaEvent(event, config.bodyLimitBytes);
  } catch (error) {
    if (error instanceof EventTooLarge) return toLambdaResult(json(413, { error: 'body_too_large' }));
    throw error;
  }
  return toLambdaResult(await bridge.handle(request));
};
