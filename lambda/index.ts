/**
 * AWS Lambda entry. Configuration is read once per container (lambda-handler.ts); a misconfigured function still
 * answers, saying which variables to set, and logs them in one line.
 *
 * The handler is async: the Node.js 24 Lambda runtime no longer supports callback-style handlers, so the ASK SDK's
 * `.lambda()` (which uses a callback) is not used.
 */
import { createLambdaHandler } from './lambda-handler.js';

export const handler = createLambdaHandler(process.env);
