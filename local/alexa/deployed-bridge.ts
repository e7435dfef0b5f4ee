/**
 * Where the bridge deployed to the local Alexa cloud answers (`npm run deploy -- --bridge --local`): its stack's
 * FunctionUrl output, asked of the cloud's CloudFormation with the AWS SDK (DEMO-ONLY credentials), or
 * DEPLOYED_BRIDGE_URL when set. Used by `npm run link -- --via deployed-bridge`, and by any simulator that must
 * complete or refresh a link made that way.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ConfigError } from '../../common/env.js';
import { LOCAL_CLOUD_CREDENTIALS } from '../cloud-credentials.js';
import { DEFAULT_PORTS } from '../demo.js';

type Env = Record<string, string | undefined>;

export const DEPLOYED_BRIDGE_STACK = 'ride-hailer-bridge';

/** The deployed bridge's base URL (ends with `/`), or undefined when the cloud holds no such stack (or is down). */
export async function findDeployedBridgeUrl(cloudUrl: string, stackName = DEPLOYED_BRIDGE_STACK): Promise<string | undefined> {
  const client = new CloudFormationClient({
    endpoint: cloudUrl,
    region: LOCAL_CLOUD_CREDENTIALS.awsRegion,
    credentials: { accessKeyId: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, secretAccessKey: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey }, // DEMO-ONLY
    maxAttempts: 1,
  });
  try {
    const stack = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (!stack?.StackStatus?.endsWith('_COMPLETE') || stack.StackStatus.startsWith('ROLLBACK')) return undefined;
    return stack.Outputs?.find((o) => o.OutputKey === 'FunctionUrl')?.OutputValue;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/** DEPLOYED_BRIDGE_URL, or the URL the local cloud (ALEXA_CLOUD_PORT) reports; a ConfigError saying what to run when neither. */
export async function deployedBridgeUrl(env: Env): Promise<string> {
  const given = env.DEPLOYED_BRIDGE_URL?.trim();
  if (given) return given.endsWith('/') ? given : `${given}/`;
  const cloud = `http://127.0.0.1:${env.ALEXA_CLOUD_PORT?.trim() || DEFAULT_PORTS.cloud}`;
  const found = await findDeployedBridgeUrl(cloud, env.BRIDGE_STACK_NAME?.trim() || DEPLOYED_BRIDGE_STACK);
  if (found) return found;
  // "No bridge is deployed" would be untrue when the cloud is elsewhere (npm start on other ports) or not running.
  if (!(await answers(cloud))) {
    throw new ConfigError('--via deployed-bridge', `nothing answers at ${cloud}, where the local Alexa cloud is looked for: start npm start, or set ALEXA_CLOUD_PORT to the port it printed for the cloud`);
  }
  throw new ConfigError('--via deployed-bridge', `no bridge is deployed to the local Alexa cloud at ${cloud}: run npm run deploy -- --bridge --local first (npm start must run)`);
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(2000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
