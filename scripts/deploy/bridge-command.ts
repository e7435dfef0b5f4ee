/**
 * `npm run deploy -- --bridge [--local]`: builds dist/bridge, deploys it as the bridge's stack (scripts/deploy/bridge.ts)
 * and prints what to put into accountLinking.json and where to register the bridge at the upstream.
 *
 * AWS (the SDK's usual credentials and AWS_REGION):
 *   BRIDGE_UPSTREAM_AUTHORIZATION_URL, BRIDGE_UPSTREAM_TOKEN_URL, BRIDGE_UPSTREAM_CLIENT_ID, BRIDGE_CLIENT_ID,
 *   BRIDGE_ALEXA_REDIRECT_URIS (required); BRIDGE_PROFILE (oidc), BRIDGE_UPSTREAM_SCOPES, LOG_LEVEL,
 *   BRIDGE_STACK_NAME (ride-hailer-bridge), BRIDGE_CODE_BUCKET; the secrets BRIDGE_CLIENT_SECRET and
 *   BRIDGE_UPSTREAM_CLIENT_SECRET (required for the first deploy, later only to change them).
 * --local: the local Alexa cloud of a running `npm start` (ALEXA_CLOUD_PORT), the bridge in front of its
 *   authorization server (AUTH_PORT) with the DEMO-ONLY client registrations, Alexa's redirects to its simulator
 *   (SIMULATOR_PORT).
 */
import { join } from 'node:path';
import { bundleBridge } from '../bundle.js';
import { DeployStepError } from './ask.js';
import { DEFAULT_BRIDGE_STACK, deployBridge, type BridgeDeployOptions, type BridgeParameters } from './bridge.js';

type Env = Record<string, string | undefined>;

function awsDeployment(env: Env): Omit<BridgeDeployOptions, 'bundleDir'> {
  const missing: string[] = [];
  const need = (name: string) => {
    const value = env[name]?.trim();
    if (!value) missing.push(name);
    return value ?? '';
  };
  const region = need('AWS_REGION');
  const parameters: BridgeParameters = {
    Profile: env.BRIDGE_PROFILE?.trim() || 'oidc',
    UpstreamAuthorizationUrl: need('BRIDGE_UPSTREAM_AUTHORIZATION_URL'),
    UpstreamTokenUrl: need('BRIDGE_UPSTREAM_TOKEN_URL'),
    UpstreamClientId: need('BRIDGE_UPSTREAM_CLIENT_ID'),
    UpstreamScopes: env.BRIDGE_UPSTREAM_SCOPES?.trim() ?? '',
    AlexaClientId: need('BRIDGE_CLIENT_ID'),
    AlexaRedirectUris: need('BRIDGE_ALEXA_REDIRECT_URIS'),
    LogLevel: env.LOG_LEVEL?.trim() || 'info',
  };
  if (missing.length > 0) throw new DeployStepError('checking the environment', `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set (see docs/bridge.md, "Running the bridge on AWS")`);
  return {
    stackName: env.BRIDGE_STACK_NAME?.trim() || DEFAULT_BRIDGE_STACK,
    region,
    parameters,
    secrets: { alexaClientSecret: env.BRIDGE_CLIENT_SECRET?.trim() || undefined, upstreamClientSecret: env.BRIDGE_UPSTREAM_CLIENT_SECRET?.trim() || undefined },
    ...(env.BRIDGE_CODE_BUCKET?.trim() ? { bucket: env.BRIDGE_CODE_BUCKET.trim() } : {}),
  };
}

export async function deployBridgeCommand(projectRoot: string, local: boolean, env: Env, say: (line: string) => void): Promise<void> {
  // The local cloud's DEMO-ONLY settings only for --local: a deploy to AWS loads nothing from local/.
  const rehearsing = local ? await import('./bridge-local.js') : undefined;
  const settings = rehearsing ? rehearsing.localBridgeDeployment(env) : awsDeployment(env);
  if (rehearsing) await rehearsing.checkCloudRunning(settings.endpoint!);
  say(`\n▶ building the bridge (dist/bridge)`);
  const bundleDir = join(projectRoot, 'dist', 'bridge');
  await bundleBridge(bundleDir);
  say(`\n▶ deploying stack ${settings.stackName} to ${local ? `the local Alexa cloud at ${settings.endpoint} (DEMO-ONLY credentials)` : `AWS (${settings.region})`}`);
  const result = await deployBridge({ ...settings, bundleDir, say: (line) => say(line) });
  const url = result.functionUrl;
  say(`\n✔ The bridge ${result.stack === 'unchanged' ? 'was already deployed (nothing changed)' : result.stack === 'created' ? 'is deployed' : 'is updated'}: ${url}`);
  say(`\n  accountLinking.json (accountLinkingRequest) for this bridge:`);
  say(`    "authorizationUrl": "${url}authorize",`);
  say(`    "accessTokenUrl": "${url}token",`);
  say(`    "clientId": "${settings.parameters.AlexaClientId}"   (its clientSecret: the BRIDGE_CLIENT_SECRET kept in Secrets Manager — ALEXA_LINKING_CLIENT_SECRET for npm run deploy)`);
  say(`  at the upstream, register the redirect URI ${url}callback for client ${settings.parameters.UpstreamClientId}`);
  if (rehearsing) say(`\n${rehearsing.LOCAL_NEXT_STEP}`);
}
