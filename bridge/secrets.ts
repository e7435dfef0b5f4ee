/**
 * The bridge's secrets on Lambda: BRIDGE_SECRETS_ARN names a Secrets Manager secret whose value is a JSON object
 * with BRIDGE_KEY, BRIDGE_CLIENT_SECRET and BRIDGE_UPSTREAM_CLIENT_SECRET (and, while a key is being rotated,
 * BRIDGE_PREVIOUS_KEYS). It is read once, during the cold start,
 * and the values are laid over the environment for loadBridgeConfig — so they never sit in the function's
 * configuration (readable by anyone with lambda:GetFunction) or in the CloudFormation template and its events.
 * The container keeps them for its life; a new secret version reaches new containers (the deploy changes
 * BRIDGE_SECRETS_VERSION, which replaces the running ones).
 *
 * Without BRIDGE_SECRETS_ARN (npm start, a host of your own) the environment is used as it is.
 */
import type { Env } from '../common/env.js';
import { ConfigError } from './config.js';

/** The names the secret must hold; with OPTIONAL_SECRET_NAMES, nothing else is taken from it. */
export const SECRET_NAMES = ['BRIDGE_KEY', 'BRIDGE_CLIENT_SECRET', 'BRIDGE_UPSTREAM_CLIENT_SECRET'] as const;
/** Retired keys during a rotation (docs/bridge.md, "Rotating BRIDGE_KEY"): as secret as the current one. */
export const OPTIONAL_SECRET_NAMES = ['BRIDGE_PREVIOUS_KEYS'] as const;

/** Reads the secret's value (a JSON string); Secrets Manager's API by default, a stand-in in tests. */
export type SecretReader = (secretId: string, region: string | undefined) => Promise<string | undefined>;

/** The environment with the secret's values added when BRIDGE_SECRETS_ARN is set; otherwise `env` itself. */
export async function withBridgeSecrets(env: Env, read: SecretReader = readFromSecretsManager): Promise<Env> {
  const secretId = env.BRIDGE_SECRETS_ARN?.trim();
  if (!secretId) return env;
  let text: string | undefined;
  try {
    text = await read(secretId, env.AWS_REGION);
  } catch (error) {
    // The service's error names what went wrong (AccessDeniedException, ResourceNotFoundException), never the value.
    throw new ConfigError('BRIDGE_SECRETS_ARN', `the secret could not be read (${(error as Error).name}: ${(error as Error).message})`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text ?? '');
  } catch {
    values = undefined;
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new ConfigError('BRIDGE_SECRETS_ARN', `the secret's value must be a JSON object with ${SECRET_NAMES.join(', ')}`);
  }
  const secret = values as Record<string, unknown>;
  const missing = SECRET_NAMES.filter((name) => typeof secret[name] !== 'string' || (secret[name] as string).trim() === '');
  if (missing.length > 0) throw new ConfigError('BRIDGE_SECRETS_ARN', `the secret lacks ${missing.join(', ')} (each a non-empty string)`);
  const optional = OPTIONAL_SECRET_NAMES.filter((name) => typeof secret[name] === 'string');
  return { ...env, ...Object.fromEntries([...SECRET_NAMES, ...optional].map((name) => [name, secret[name] as string])) };
}

/** GetSecretValue (bridge/secrets-manager.ts), loaded only when a secret is named (a self-hosted bridge never parses it). */
const readFromSecretsManager: SecretReader = async (secretId, region) => (await import('./secrets-manager.js')).readSecretString(secretId, region);
