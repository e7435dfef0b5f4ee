/**
 * The Secrets Manager call itself: GetSecretValue through bridge/aws/json-client.ts (AWS's JSON protocol, the SDK's
 * signer and HTTP handler). A module of its own, imported by bridge/secrets.ts only when BRIDGE_SECRETS_ARN is set,
 * so a self-hosted bridge never loads it.
 */
import { AwsJsonClient, SECRETS_MANAGER } from './aws/json-client.js';

/** The region an ARN names (arn:aws:secretsmanager:<region>:<account>:secret:<name>). */
const regionOf = (arn: string) => /^arn:[^:]+:secretsmanager:([^:]+):/.exec(arn)?.[1];

export async function readSecretString(secretId: string, region: string | undefined): Promise<string | undefined> {
  // Lambda sets AWS_REGION (passed in as `region`); elsewhere the secret's ARN says where it lives.
  const where = region ?? regionOf(secretId);
  if (where === undefined) throw new Error('no region: set AWS_REGION, or name the secret by its full ARN');
  // The cold start waits for this call: fail fast rather than use up Lambda's 10 s initialisation.
  const client = new AwsJsonClient(SECRETS_MANAGER, { region: where, timeoutMs: { connect: 1000, request: 3000 }, attempts: 2 });
  try {
    const { SecretString } = await client.call<{ SecretString?: string }>('GetSecretValue', { SecretId: secretId });
    return SecretString;
  } finally {
    client.close();
  }
}
