/**
 * The bridge (bridge/) as the local stack runs it: in front of the local authorization server with the oidc profile,
 * configured through the same BRIDGE_* variables a deployment uses, and registered at that server as a client of
 * its own. Alexa (the simulator) presents the skill's usual client ID and secret to it.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../common/logging.js';
import { loadBridgeConfig, startBridgeServer, type BridgeServer } from '../bridge/server.js';
import type { ClientRegistration } from './auth/server.js';
import type { HeldSocket } from './bound-socket.js';
import { DEMO } from './demo.js';
import { persistentKey } from './key-file.js';
import { localBridgeRedirectUris } from './redirect-uris.js';

/** The bridge's registration at the local authorization server (DEMO-ONLY credentials). */
export function bridgeUpstreamClient(bridgeUrl: string): ClientRegistration {
  return {
    clientId: DEMO.bridgeUpstreamClientId,
    clientSecret: DEMO.bridgeUpstreamClientSecret,
    redirectUris: [`${bridgeUrl}/callback`],
    name: 'Ride Hailer bridge',
  };
}

/**
 * The bridge deployed to the local Alexa cloud (npm run deploy -- --bridge --local), as a client of the local
 * authorization server (DEMO-ONLY credentials): its Function URL's port is only known after the deploy, so it is a
 * native client whose loopback redirect URI matches on any port.
 */
export function deployedBridgeUpstreamClient(): ClientRegistration {
  return {
    clientId: DEMO.deployedBridgeUpstreamClientId,
    clientSecret: DEMO.deployedBridgeUpstreamClientSecret,
    redirectUris: ['http://127.0.0.1/callback'],
    name: 'Ride Hailer bridge (deployed to the local Alexa cloud)',
    applicationType: 'native',
  };
}

export interface LocalBridgeOptions {
  /** The bridge's socket, bound before the authorization server that registers its callback was built. */
  socket: HeldSocket;
  upstream: { authorizationUrl: string; tokenUrl: string };
  /** The simulator's origin: its code-grant callback and implicit-grant page become allowed redirect URIs. */
  simulatorOrigin: string;
  /** SQLite file of the bridge's store; default ':memory:'. */
  dataFile?: string;
  /** Where the bridge's key is kept between runs (created on first start, mode 0600); default a fresh key per run. */
  keyFile?: string;
  logger: Logger;
}

export async function startLocalBridge(options: LocalBridgeOptions): Promise<BridgeServer> {
  const publicUrl = options.socket.origin;
  const redirectUris = localBridgeRedirectUris(options.simulatorOrigin);
  const config = await loadBridgeConfig({
    BRIDGE_PUBLIC_URL: publicUrl,
    BRIDGE_HOST: options.socket.host,
    BRIDGE_PORT: String(options.socket.port),
    BRIDGE_PROFILE: 'oidc',
    BRIDGE_UPSTREAM_AUTHORIZATION_URL: options.upstream.authorizationUrl,
    BRIDGE_UPSTREAM_TOKEN_URL: options.upstream.tokenUrl,
    BRIDGE_UPSTREAM_CLIENT_ID: DEMO.bridgeUpstreamClientId,
    BRIDGE_UPSTREAM_CLIENT_SECRET: DEMO.bridgeUpstreamClientSecret,
    BRIDGE_CLIENT_ID: DEMO.clientId,
    BRIDGE_CLIENT_SECRET: DEMO.clientSecret,
    BRIDGE_ALEXA_REDIRECT_URIS: redirectUris.join(','),
    // The bridge's key must outlive a restart, or every stored link and code becomes unreadable.
    BRIDGE_KEY: options.keyFile ? await persistentKey(options.keyFile) : randomBytes(32).toString('base64url'),
    BRIDGE_DATA: options.dataFile ?? ':memory:',
  });
  return startBridgeServer(config, { logger: options.logger, socket: options.socket });
}
