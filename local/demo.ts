/**
 * DEMO-ONLY identifiers and credentials for the local stack (`npm start`, tests, benchmarks).
 * They are public on purpose: never reuse them for anything reachable from another machine.
 */
export const DEMO = {
  /** The OAuth client Alexa is registered as (skill-package/accountLinking.json → clientId). */
  clientId: 'alexa-ride-hailer',
  /**
   * DEMO-ONLY client secret of the local authorization server (and of the local bridge, which refuses one shorter
   * than 32 characters). Real secrets are never committed.
   */
  clientSecret: 'demo-only-client-secret-for-this-machine',
  /** Alexa's vendor ID for the redirect URLs (…/api/skill/link/<vendorId>) of the local stack. */
  vendorId: 'M1LOCALDEMO',
  /** Skill ID the local skill endpoint expects and the simulator sends. */
  skillId: 'amzn1.ask.skill.00000000-0000-4000-8000-00000000d3m0',
  /** Resource indicator of the Ride Hailer API: the `aud` of every access token. */
  apiAudience: 'https://api.ride-hailer.example',
  /** The bridge (bridge/) as a client of the local authorization server: its upstream client ID. */
  bridgeUpstreamClientId: 'ride-hailer-bridge',
  /** DEMO-ONLY secret of the bridge's upstream client. Alexa presents clientId/clientSecret above to the bridge. */
  bridgeUpstreamClientSecret: 'demo-only-bridge-upstream-secret',
  /**
   * The bridge deployed to the local Alexa cloud (`npm run deploy -- --bridge --local`) as a client of the local
   * authorization server: registered as a native client with a loopback redirect URI, so its callback is accepted
   * on whatever port the cloud gives its Function URL (RFC 8252 §7.3, as oidc-provider implements it).
   */
  deployedBridgeUpstreamClientId: 'ride-hailer-deployed-bridge',
  /** DEMO-ONLY secret of that client. */
  deployedBridgeUpstreamClientSecret: 'demo-only-deployed-bridge-upstream-secret',
  /** DEMO-ONLY login, seeded into the local authorization server. */
  user: { email: 'ann@example.com', password: 'ride-hailer-demo', name: 'Ann Example' },
} as const;

/** Default loopback ports of the local stack; each can be overridden by the environment variable named. */
export const DEFAULT_PORTS = {
  skill: 3000, // PORT
  auth: 3001, // AUTH_PORT
  api: 3002, // API_PORT
  simulator: 3003, // SIMULATOR_PORT: the simulator's linking callback
  bridge: 3004, // BRIDGE_PORT: the account-linking bridge in front of the authorization server
  cloud: 3005, // ALEXA_CLOUD_PORT: the local Alexa cloud the real ASK CLI deploys to
} as const;
