/**
 * The Secrets Manager call itself: GetSecretValue through bridge/aws/json-client.ts (AWS's JSON protocol, signed with
 * the SDK's signer, sent by got). A module of its own, imported by bridge/secrets.ts only when BRIDGE_SECRETS_ARN is
 * set, so a self-hosted bridge never loads it.
 */
import { AwsJsonClient, SECRETS_MANAGER } from './aws/json-client.js';

export async function readSecretString(secretId: string, region: string | undefined): Promise<string | undefined> {
  // The cold start waits for this call: fail fast rather than use up Lambda's 10 s initialisation.
  const client = new AwsJsonClient(SECRETS_MANAGER, { region: region ?? process.env.AWS_REGION ?? 'us-east-1', timeoutMs: { connect: 1000, request: 3000 }, attempts: 2 });
  const { SecretString } = await client.call<{ SecretString?: string }>('GetSecretValue', { SecretId: secretId });
  return SecretString;
}
