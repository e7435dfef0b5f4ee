/**
 * The self-hosted skill endpoint as an express app: POST / is the skill behind Alexa request verification,
 * GET /healthz is a liveness probe, everything else is a JSON 404.
 */
import express from 'express';
import type { Skill } from 'ask-sdk-core';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../../common/logging.js';
import { createAlexaVerifiers, loadTrustStore, type FetchCertificate } from '../verification/index.js';
import { alexaEndpoint } from './alexa-endpoint.js';
import { errorHandler, notFound } from './responses.js';

export interface AlexaAppOptions {
  skill: Skill;
  config: ServerConfig;
  logger: Logger;
  /** For tests: replaces the certificate download. */
  fetchCertificate?: (url: URL) => Promise<string>;
  /** For tests: the clock for timestamps and certificate validity, in epoch milliseconds. */
  now?: () => number;
}

export function createAlexaApp(options: AlexaAppOptions): express.Express {
  const { config, logger } = options;
  const verification = config.verification;
  announceUnusualSettings(config, logger);

  const verifiers = createAlexaVerifiers({
    skillId: config.skillId,
    verifyRequests: verification.enabled,
    ...(verification.enabled ? { trustStore: loadTrustStore(verification.extraCaFile) } : {}),
    ...(options.fetchCertificate ? { fetchCertificate: options.fetchCertificate satisfies FetchCertificate } : {}),
    ...(options.now ? { now: options.now } : {}),
    download: {
      mirror: verification.certificateMirrorUrl,
      ...(verification.certificateDownloadTimeoutMs ? { timeoutMs: verification.certificateDownloadTimeoutMs } : {}),
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // Alexa never revalidates; a SHA-1 of every answer is wasted CPU
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.post('/', ...alexaEndpoint({ skill: options.skill, verifiers, bodyLimitBytes: verification.bodyLimitBytes, logger }));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

function announceUnusualSettings(config: ServerConfig, logger: Logger): void {
  if (!config.verification.enabled) {
    logger.warn('alexa_request_verification_off', {
      message: 'request verification is OFF (ALEXA_VERIFY_REQUESTS=off): signatures and timestamps are not checked. Never expose this endpoint.',
    });
  } else if (config.verification.certificateMirrorUrl !== undefined) {
    logger.warn('alexa_certificate_mirror_on', {
      message: 'signing certificates are fetched from a mirror (ALEXA_CERT_MIRROR_URL): for the local stack only',
      mirror: config.verification.certificateMirrorUrl.origin,
    });
  }
}
