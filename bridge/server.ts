/**
 * Self-hosted entry of the bridge: `tsx bridge/server.ts` runs it from the environment (BRIDGE_* variables);
 * `startBridgeServer` starts it programmatically (the local stack, tests, benchmarks).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../lambda/logging.js';
import { createBridgeApp } from './adapters/express.js';
import { ConfigError, loadBridgeConfig, type BridgeConfig } from './config.js';
import { createBridge } from './core.js';
import { openStore } from './store/open.js';
import type { BridgeStore } from './store/store.js';
import type { UpstreamClient } from './upstream.js';

export { ConfigError, loadBridgeConfig, type BridgeConfig } from './config.js';

export interface BridgeServerOptions {
  /** Default config.port (BRIDGE_PORT); 0 = ephemeral. */
  port?: number;
  /** Default config.host (BRIDGE_HOST, 127.0.0.1). */
  host?: string;
  /** Where JSON log lines go (default stdout), at config.logLevel. Ignored when `logger` is given. */
  log?: (line: string) => void;
  logger?: Logger;
  /** Default: the store config.store names. */
  store?: BridgeStore;
  upstream?: UpstreamClient;
  /** Epoch milliseconds; for tests. */
  now?: () => number;
}

export interface BridgeServer {
  url: string;
  close(): Promise<void>;
}

export async function startBridgeServer(config: BridgeConfig, options: BridgeServerOptions = {}): Promise<BridgeServer> {
  const logger = options.logger ?? createLogger(config.logLevel, options.log);
  const bridge = createBridge(config, {
    logger,
    store: options.store ?? (await openStore(config.store, { logger, ...(options.now ? { now: options.now } : {}) })),
    ...(options.upstream ? { upstream: options.upstream } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const server: Server = createServer(createBridgeApp(bridge, { bodyLimitBytes: config.bodyLimitBytes, logger }));
  server.requestTimeout = 10_000;
  const host = options.host ?? config.host;
  let address: AddressInfo;
  try {
    address = await new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.port, host, () => resolve(server.address() as AddressInfo));
    });
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

if (import.meta.url === `file://${process.argv[1]}`) {
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
