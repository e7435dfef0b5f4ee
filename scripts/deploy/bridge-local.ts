/**
 * `npm run deploy -- --bridge --local`: the bridge's stack in the local Alexa cloud of a running `npm start`, in front
 * of its authorization server, with the DEMO-ONLY client registrations. Loaded by bridge-command.ts for --local only,
 * and reading leaf modules of local/ only (constants, no server): a deploy to AWS loads nothing from local/.
 */
import { LOCAL_CLOUD_CREDENTIALS } from '../../local/cloud-credentials.js';
import { DEFAULT_PORTS, DEMO } from '../../local/demo.js';
import { localBridgeRedirectUris } from '../../local/redirect-uris.js';
import { DEFAULT_BRIDGE_STACK, type BridgeDeployOptions } from './bridge.js';
import { cloudUrl } from './rehearsal.js';

export { checkCloudRunning } from './rehearsal.js';

type Env = Record<string, string | undefined>;

/** The deploy's settings for the local stack of `npm start` (DEMO-ONLY credentials everywhere). */
export function localBridgeDeployment(env: Env): Omit<BridgeDeployOptions, 'bundleDir'> {
  const port = (name: string, fallback: number) => env[name]?.trim() || String(fallback);
  const auth = `http://127.0.0.1:${port('AUTH_PORT', DEFAULT_PORTS.auth)}`;
  return {
    stackName: env.BRIDGE_STACK_NAME?.trim() || DEFAULT_BRIDGE_STACK,
    region: LOCAL_CLOUD_CREDENTIALS.awsRegion,
    endpoint: cloudUrl(env),
    credentials: { accessKeyId: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, secretAccessKey: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey }, // DEMO-ONLY
    parameters: {
      Profile: 'oidc',
      UpstreamAuthorizationUrl: `${auth}/auth`,
      UpstreamTokenUrl: `${auth}/token`,
      UpstreamClientId: DEMO.deployedBridgeUpstreamClientId,
      AlexaClientId: DEMO.clientId,
      AlexaRedirectUris: localBridgeRedirectUris(`http://127.0.0.1:${port('SIMULATOR_PORT', DEFAULT_PORTS.simulator)}`).join(','),
      LogLevel: env.LOG_LEVEL?.trim() || 'info',
    },
    secrets: { alexaClientSecret: DEMO.clientSecret, upstreamClientSecret: DEMO.deployedBridgeUpstreamClientSecret }, // DEMO-ONLY
  };
}

/** What to run once the stack is up. */
export const LOCAL_NEXT_STEP = `Next: npm run link -- --via deployed-bridge --user ${DEMO.user.email} --password ${DEMO.user.password}    # DEMO-ONLY login; then npm run dialog`;
