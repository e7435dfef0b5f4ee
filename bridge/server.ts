/**
 * Self-hosted entry of the bridge: `tsx bridge/server.ts` runs it from the environment (BRIDGE_* variables);
 * `startBridgeServer` starts it programmatically (the local stack, tests, benchmarks).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, type BoundSocket } from '../common/listen.js';
import { createLogger, type Logger } from '../common/logging.js';
import { isMainModule } from '../common/main-module.js';
import { createBridgeApp } from './adapters/express.js';
import { ConfigError, loadBridgeConfig, type BridgeConfig } from './config.js';
import { createBridge } from './core.js';
import { openRateLimits, type RateLimits } from './rate-limits.js';
import { openStore } from './store/open.js';
import type { BridgeStore } from './store/store.js';
import type { UpstreamClient } from './upstream.js';
import { logConfigWarnings } from './weak-config.js';

export { ConfigError, loadBridgeConfig, type BridgeConfig } from './config.js';

export interface BridgeServerOptions {
  /** Default config.port (BRIDGE_PORT); 0 = ephemeral. */
  port?: number;
  /** Default config.host (BRIDGE_HOST, 127.0.0.1). */
  host?: string;
  /** A socket already bound on host (the local stack binds every piece first); then `port` is not used. */
  socket?: BoundSocket;
  /** Where JSON log lines go (default stdout), at config.logLevel. Ignored when `logger` is given. */
  log?: (line: string) => void;
  logger?: Logger;
  /** Default: the store config.store names. */
  store?: BridgeStore;
  upstream?: UpstreamClient;
  /** Epoch milliseconds; for tests. */
  now?: () => number;
  /** Default: on the store's database (bridge/rate-limits.ts); 'off' only for the bench's baseline. */
  rateLimits?: RateLimits | 'off';
  /** Default SERVER_TIMEOUTS; tests inject small ones. */
  timeouts?: ServerTimeouts;
}

/**
 * How long a client may take: the headers within `headersMs`, the whole request (headers and body) within
 * `requestMs`. Node checks both only every `checkIntervalMs` (its default, 30 s, let a client that announced 100 body
 * bytes and sent 10 hold a connection for 80 s), so the check runs every second. Alexa's own requests take
 * milliseconds; 10 s is for a slow phone network at /authorize and /callback.
 */
export interface ServerTimeouts {
  headersMs: number;
  requestMs: number;
  checkIntervalMs: number;
}
export const SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 10_000, checkIntervalMs: 1_000 };

export interface BridgeServer {
  url: string;
  close(): Promise<void>;
}

export async function startBridgeServer(config: BridgeConfig, options: BridgeServerOptions = {}): Promise<BridgeServer> {
  const logger = options.logger ?? createLogger(config.logLevel, options.log);
  logConfigWarnings(logger, config.warnings);
  const store = options.store ?? (await openStore(config.store, { logger, ...(options.now ? { now: options.now } : {}) }));
  const bridge = createBridge(config, {
    logger,
    store,
    rateLimits: options.rateLimits ?? (await openRateLimits(config, store, logger)),
    ...(options.upstream ? { upstream: options.upstream } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const timeouts = options.timeouts ?? SERVER_TIMEOUTS;
  const server: Server = createServer(
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    createBridgeApp(bridge, { bodyLimitBytes: config.bodyLimitBytes, logger }),
  );
  const host = options.host ?? config.host;
  let address: AddressInfo;
  try {
    address = await listen(server, { port: options.port ?? config.port, host, socket: options.socket });
  } catch (error) {
    await bridge.close();
    throw error;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  logger.info('bridge.listening', { url, profile: config.profile.name, publicUrl: config.publicUrl });
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      await bridge.close();
    },
  };
}

if (isMainModule(import.meta)) {
  try {
    const server = await startBridgeServer(await loadBridgeConfig(process.env));
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`bridge: configuration error: ${error.message}`);
    process.exit(1);
  }
}
