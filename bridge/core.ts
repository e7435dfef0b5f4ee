/**
 * The bridge without any HTTP framework: `handle(request) → response`. `server.ts` (express) and `index.ts`
 * (Lambda) are thin adapters over it, so both entries behave identically and the Lambda bundle carries no express.
 */
import type { Logger } from '../common/logging.js';
import type { BridgeConfig } from './config.js';
import type { BridgeContext } from './context.js';
import { json, temporarilyUnavailable, errorPage } from './http/responses.js';
import type { BridgeRequest, BridgeResponse } from './http/types.js';
import { deriveKeys } from './keys.js';
import { clientAddress } from './client-address.js';
import { Links } from './links.js';
import { RateLimits } from './rate-limits.js';
import { authorize } from './routes/authorize.js';
import { callback } from './routes/callback.js';
import { token } from './routes/token.js';
import type { BridgeStore } from './store/store.js';
import { createUpstreamClient, type UpstreamClient } from './upstream.js';

export interface BridgeOptions {
  logger: Logger;
  /** The store config.store names, opened by the entry (bridge/store/open.ts); closed with the bridge. */
  store: BridgeStore;
  /** Default: got against config.upstream.tokenUrl with the profile's dialect. */
  upstream?: UpstreamClient;
  /** Epoch milliseconds; for tests. */
  now?: () => number;
  /**
   * The rate limits (bridge/rate-limits.ts), on the store's database as openRateLimits builds them. Default: in
   * memory. 'off' only for the bench's baseline.
   */
  rateLimits?: RateLimits | 'off';
}

export interface Bridge {
  handle(request: BridgeRequest): Promise<BridgeResponse>;
  close(): Promise<void>;
}

type Route = (req: BridgeRequest, ctx: BridgeContext) => Promise<BridgeResponse>;

/**
 * `head`: whether HEAD is answered as GET. Only for the health check: a HEAD on /callback would redeem the state
 * and mint a code whose redirect no browser follows, and a HEAD on /authorize mints states for nobody.
 */
const ROUTES: Record<string, { method: string; route: Route; head?: true }> = {
  '/authorize': { method: 'GET', route: authorize },
  '/callback': { method: 'GET', route: callback },
  '/token': { method: 'POST', route: token },
  '/healthz': { method: 'GET', route: async () => json(200, { status: 'ok' }), head: true },
};

export function createBridge(config: BridgeConfig, options: BridgeOptions): Bridge {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const keys = deriveKeys(config.key, config.previousKeys);
  const { store } = options;
  const upstream = options.upstream ?? createUpstreamClient(config);
  const links = new Links({ config, keys, store, upstream, logger, now });
  const ctx: BridgeContext = { config, keys, store, links, upstream, logger, now };
  const limits = options.rateLimits ?? new RateLimits(config, logger);

  const run = async (route: Route, request: BridgeRequest): Promise<BridgeResponse> => {
    try {
      return await route(request, ctx);
    } catch (error) {
      // Never a stack trace to the caller, never the error's message in the log (it may quote a request).
      logger.error('bridge.unhandled_error', { path: request.path, errorName: error instanceof Error ? error.name : typeof error });
      // At the token endpoint a failure must look temporary, or Alexa unlinks the user.
      if (request.path === '/token') return temporarilyUnavailable();
      return errorPage(500, 'Something went wrong', 'The link could not be completed.');
    }
  };

  return {
    async handle(request) {
      const entry = ROUTES[request.path];
      if (entry === undefined) return json(404, { error: 'not_found' });
      const method = request.method === 'HEAD' && entry.head === true ? 'GET' : request.method;
      if (method !== entry.method) return json(405, { error: 'method_not_allowed' }, { allow: entry.method });
      if (limits === 'off') return run(entry.route, request);
      const address = clientAddress(request.peerAddress, request.headers['x-forwarded-for'], config.trustProxyHops);
      return limits.apply(request, address, (req) => run(entry.route, req));
    },
    close: () => store.close(),
  };
}
