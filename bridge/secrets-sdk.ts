/**
 * The Secrets Manager call itself, with the AWS SDK v3 client. A module of its own, imported by bridge/secrets.ts
 * only when BRIDGE_SECRETS_ARN is set: the bundle keeps the SDK in a chunk a self-hosted bridge never parses (a
 * static import here is what lets the bundler see the CommonJS package's named exports).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export async function readSecretString(secretId: string, region: string | undefined): Promise<string | undefined> {
  // The cold start waits for this call: fail fast rather than use up Lambda's 10 s initialisation.
  const client = new SecretsManagerClient({ ...(region ? { region } : {}), maxAttempts: 2, requestHandler: { requestTimeout: 3000, throwOnRequestTimeout: true } });
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } finally {
    client.destroy();
  }
}
