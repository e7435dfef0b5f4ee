/**
 * Environment → typed, validated bridge configuration. Every problem is a ConfigError naming the variable (the
 * same class as the skill's), all of them in one, so a misconfigured bridge stops at start-up with one readable line.
 *
 * BRIDGE_UPSTREAM_SCOPES maps Alexa's scopes to the upstream's: comma-separated `alexa_scope=upstream scopes`
 * entries, e.g. `order_car=rides:write,basic_profile=profile email,*=offline_access`. Each scope Alexa asks for is
 * replaced by its space-separated list (an empty list drops it); `*` lists scopes always added; scopes without an
 * entry pass through unchanged. Unset = every scope passes through.
 */
import type { LogLevel } from '../common/logging.js';
import { ConfigError, ConfigReader, httpUrl as absoluteHttpUrl, integer, oneOf, optional, required, type Env } from '../common/env.js';
import { redirectUriGrant } from './alexa-redirect.js';
import type { ProfileSettings, ProviderProfile } from './profiles/profile.js';
import { findProfile, PROFILE_NAMES } from './profiles/registry.js';
import { checkClientSecrets, requireKeyEntropy, requireTransportSecurity, type ConfigWarning } from './weak-config.js';

export { ConfigError } from '../common/env.js';

export interface BridgeConfig {
  host: string;
  port: number;
  /** The bridge's own external base URL, without a trailing slash. */
  publicUrl: string;
  /** `publicUrl/callback`: the redirect URI registered at the upstream. */
  callbackUrl: string;
  profile: ProviderProfile;
  profileSettings: ProfileSettings;
  upstream: {
    authorizationUrl: URL;
    tokenUrl: URL;
    clientId: string;
    clientSecret: string;
    /** Alexa scope → upstream scopes; `*` = always added. Undefined = pass through. */
    scopeMap: ReadonlyMap<string, readonly string[]> | undefined;
    /** Everything one upstream token call may take. Alexa gives the token endpoint 4.5 s in all. */
    budgetMs: number;
  };
  /** What Alexa presents (the skill's account-linking client ID and secret) and where it may be sent back. */
  alexa: { clientId: string; clientSecret: string; redirectUris: readonly string[] };
  /** 32-byte master key; per-purpose keys are derived from it (bridge/keys.ts). */
  key: Uint8Array;
  /** BRIDGE_PREVIOUS_KEYS: retired master keys that still open what they sealed (key rotation, docs/bridge.md). */
  previousKeys: readonly Uint8Array[];
  /** Where single-use markers and links live (bridge/store/). */
  store: StoreConfig;
  /** How long after a rotation the bridge answers a repeated refresh from its stored answer. */
  refreshGraceSeconds: number;
  /** A link (bridge refresh token) unused for this long is forgotten. */
  linkTtlSeconds: number;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  /** How many proxies of the operator's own stand in front (BRIDGE_TRUST_PROXY); 0 = X-Forwarded-For is ignored. */
  trustProxyHops: number;
  /** Weak but accepted settings (bridge/weak-config.ts), logged once at start by the entry. */
  warnings: readonly ConfigWarning[];
}

/**
 * BRIDGE_STORE=sqlite (default): an embedded SQLite file, BRIDGE_DATA (`:memory:` for tests), one host.
 * BRIDGE_STORE=dynamodb: one DynamoDB table shared by every instance (bridge/deploy/dynamodb-table.json).
 */
export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'dynamodb';
      table: string;
      region: string;
      /** Another endpoint than AWS's (DynamoDB Local, dynalite); credentials still come from the usual AWS chain. */
      endpoint?: string;
      /** The rate limits' counters (bridge/rate-limits-dynamodb.ts): BRIDGE_DYNAMODB_RATE_LIMIT_TABLE. */
      rateLimitTable: string;
    };

/** Variables whose values are secrets: never handed to a profile as an `extra` setting. */
const SECRET_VARIABLES = new Set(['BRIDGE_KEY', 'BRIDGE_PREVIOUS_KEYS', 'BRIDGE_CLIENT_SECRET', 'BRIDGE_UPSTREAM_CLIENT_SECRET']);

/**
 * Reads the whole configuration before it fails, like the skill's: every variable at fault is named in one
 * ConfigError (common/env.ts ConfigReader), so an operator fixes a deployment in one round, not one variable per start.
 */
export async function loadBridgeConfig(env: Env = process.env): Promise<BridgeConfig> {
  const reader = new ConfigReader();
  const publicUrl = reader.read(() => publicUrlOf(env));
  const upstream = {
    authorizationUrl: reader.read(() => secureUrl('BRIDGE_UPSTREAM_AUTHORIZATION_URL', required(env, 'BRIDGE_UPSTREAM_AUTHORIZATION_URL'))),
    tokenUrl: reader.read(() => secureUrl('BRIDGE_UPSTREAM_TOKEN_URL', required(env, 'BRIDGE_UPSTREAM_TOKEN_URL'))),
    clientId: reader.read(() => required(env, 'BRIDGE_UPSTREAM_CLIENT_ID')),
    clientSecret: reader.read(() => required(env, 'BRIDGE_UPSTREAM_CLIENT_SECRET')),
    scopeMap: reader.read(() => scopeMap(optional(env, 'BRIDGE_UPSTREAM_SCOPES'))),
    budgetMs: reader.read(() => integer(env, 'BRIDGE_UPSTREAM_BUDGET_MS', 3500, { min: 200, max: 4000 })),
  };
  const alexa = {
    clientId: reader.read(() => required(env, 'BRIDGE_CLIENT_ID')),
    clientSecret: reader.read(() => required(env, 'BRIDGE_CLIENT_SECRET')),
    redirectUris: reader.read(() => redirectUris(required(env, 'BRIDGE_ALEXA_REDIRECT_URIS'))),
  };
  const key = reader.read(() => masterKey('BRIDGE_KEY', required(env, 'BRIDGE_KEY')));
  const previousKeys = reader.read(() =>
    (optional(env, 'BRIDGE_PREVIOUS_KEYS') ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => masterKey('BRIDGE_PREVIOUS_KEYS', k)),
  );
  const profile = reader.read(() => profileOf(env));
  const extra = profile === undefined ? {} : reader.read(() => profileExtraSettings(profile, env));
  const settings = {
    host: optional(env, 'BRIDGE_HOST') ?? '127.0.0.1',
    port: reader.read(() => integer(env, 'BRIDGE_PORT', 3004, { min: 0, max: 65535 })),
    store: reader.read(() => withRateLimitTable(storeConfig(env), env)),
    refreshGraceSeconds: reader.read(() => integer(env, 'BRIDGE_REFRESH_GRACE_S', 120, { min: 0, max: 3600 })),
    linkTtlSeconds: reader.read(() => integer(env, 'BRIDGE_LINK_TTL_DAYS', 400, { min: 1, max: 3650 })) * 86_400,
    logLevel: reader.read(() => oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info')),
    trustProxyHops: reader.read(() => integer(env, 'BRIDGE_TRUST_PROXY', 0, { min: 0, max: 5 })),
  };
  reader.done();

  const base = publicUrl.href.replace(/\/+$/, '');
  return {
    ...settings,
    publicUrl: base,
    callbackUrl: `${base}/callback`,
    profile,
    profileSettings: { upstreamClientId: upstream.clientId, extra },
    upstream,
    alexa,
    key,
    previousKeys,
    bodyLimitBytes: 16 * 1024,
    warnings: checkClientSecrets(alexa.clientSecret, upstream.clientSecret, publicUrl),
  };
}

function publicUrlOf(env: Env): URL {
  const publicUrl = secureUrl('BRIDGE_PUBLIC_URL', required(env, 'BRIDGE_PUBLIC_URL'));
  if (publicUrl.search !== '' || publicUrl.hash !== '') throw new ConfigError('BRIDGE_PUBLIC_URL', 'must not carry a query or fragment');
  return publicUrl;
}

function profileOf(env: Env): ProviderProfile {
  const profileName = optional(env, 'BRIDGE_PROFILE') ?? 'oidc';
  const profile = findProfile(profileName);
  if (profile === undefined) throw new ConfigError('BRIDGE_PROFILE', `unknown profile "${profileName}" (known: ${PROFILE_NAMES.join(', ')})`);
  return profile;
}

/** An http(s) URL without credentials, https unless it is loopback (weak-config.ts). */
function secureUrl(name: string, value: string): URL {
  const url = httpUrl(name, value);
  requireTransportSecurity(name, url);
  return url;
}

/**
 * The profile's `extra` settings: every BRIDGE_* variable except the secrets, plus the profile's required settings
 * (whatever their names), each of which must be set.
 */
export function profileExtraSettings(profile: ProviderProfile, env: Env): Record<string, string | undefined> {
  for (const name of profile.requiredSettings ?? []) required(env, name, `the "${profile.name}" profile needs it`);
  const extra: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('BRIDGE_') && !SECRET_VARIABLES.has(name)) extra[name] = value;
  }
  for (const name of profile.requiredSettings ?? []) extra[name] = optional(env, name);
  return extra;
}

/** DynamoDB: the rate limits' table beside the store's, `<table>-rate-limits` unless BRIDGE_DYNAMODB_RATE_LIMIT_TABLE names one. */
function withRateLimitTable(store: DistributiveOmit<StoreConfig, 'rateLimitTable'>, env: Env): StoreConfig {
  if (store.kind !== 'dynamodb') return store;
  const rateLimitTable = optional(env, 'BRIDGE_DYNAMODB_RATE_LIMIT_TABLE') ?? `${store.table}-rate-limits`;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(rateLimitTable)) throw new ConfigError('BRIDGE_DYNAMODB_RATE_LIMIT_TABLE', `"${rateLimitTable}" is not a DynamoDB table name (3–255 of A-Z a-z 0-9 _ . -)`);
  return { ...store, rateLimitTable };
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function storeConfig(env: Env): DistributiveOmit<StoreConfig, 'rateLimitTable'> {
  const kind = oneOf(env, 'BRIDGE_STORE', ['sqlite', 'dynamodb'] as const, 'sqlite');
  if (kind === 'sqlite') return { kind, path: required(env, 'BRIDGE_DATA', 'the SQLite file of BRIDGE_STORE=sqlite') };
  const table = required(env, 'BRIDGE_DYNAMODB_TABLE', 'BRIDGE_STORE=dynamodb');
  // DynamoDB's own rule for table names.
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) throw new ConfigError('BRIDGE_DYNAMODB_TABLE', `"${table}" is not a DynamoDB table name (3–255 of A-Z a-z 0-9 _ . -)`);
  const region = optional(env, 'BRIDGE_DYNAMODB_REGION') ?? optional(env, 'AWS_REGION');
  if (region === undefined) throw new ConfigError('BRIDGE_DYNAMODB_REGION', 'not set (BRIDGE_STORE=dynamodb needs it, or AWS_REGION)');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new ConfigError('BRIDGE_DYNAMODB_REGION', `"${region}" is not an AWS region (e.g. eu-west-1)`);
  const rawEndpoint = optional(env, 'BRIDGE_DYNAMODB_ENDPOINT');
  if (rawEndpoint === undefined) return { kind, table, region };
  const endpoint = httpUrl('BRIDGE_DYNAMODB_ENDPOINT', rawEndpoint);
  if (endpoint.search !== '' || endpoint.hash !== '') throw new ConfigError('BRIDGE_DYNAMODB_ENDPOINT', 'must not carry a query or fragment');
  return { kind, table, region, endpoint: endpoint.href };
}

/** An absolute http(s) URL without userinfo (credentials belong in their own variables, never in a logged URL). */
function httpUrl(name: string, value: string): URL {
  const url = absoluteHttpUrl(name, value);
  if (url.username !== '' || url.password !== '') throw new ConfigError(name, 'must not carry credentials');
  return url;
}

/** Exact strings, compared as sent: no normalisation, so `…/link/X` and `…/link/X/` are different URIs. */
function redirectUris(raw: string): string[] {
  const uris = raw.split(',').map((uri) => uri.trim()).filter((uri) => uri !== '');
  if (uris.length === 0) throw new ConfigError('BRIDGE_ALEXA_REDIRECT_URIS', 'lists no URI');
  for (const uri of uris) {
    const url = httpUrl('BRIDGE_ALEXA_REDIRECT_URIS', uri);
    if (url.hash !== '') throw new ConfigError('BRIDGE_ALEXA_REDIRECT_URIS', `"${uri}" must not carry a fragment`);
    requireTransportSecurity('BRIDGE_ALEXA_REDIRECT_URIS', url);
    if (redirectUriGrant(uri) === undefined) {
      throw new ConfigError('BRIDGE_ALEXA_REDIRECT_URIS', `"${uri}" is neither …/api/skill/link/<vendorId> (code grant) nor …/spa/skill/account-linking-status.html?vendorId=<vendorId> (implicit grant)`);
    }
  }
  return uris;
}

/** BRIDGE_KEY, or one entry of BRIDGE_PREVIOUS_KEYS (`name`); the error never quotes the value. */
function masterKey(name: string, raw: string): Uint8Array {
  const key = /^[A-Za-z0-9_-]+$/.test(raw) ? Buffer.from(raw, 'base64url') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(name, 'must be 32 random bytes, base64url-encoded (e.g. `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`)');
  }
  requireKeyEntropy(key);
  return new Uint8Array(key);
}

function scopeMap(raw: string | undefined): Map<string, string[]> | undefined {
  if (raw === undefined) return undefined;
  const map = new Map<string, string[]>();
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    const from = eq < 0 ? '' : entry.slice(0, eq).trim();
    if (from === '' || /\s/.test(from)) {
      throw new ConfigError('BRIDGE_UPSTREAM_SCOPES', `"${entry.trim()}" is not an entry of the form alexa_scope=upstream scopes`);
    }
    if (map.has(from)) throw new ConfigError('BRIDGE_UPSTREAM_SCOPES', `"${from}" is mapped twice`);
    map.set(from, entry.slice(eq + 1).split(/\s+/).filter((s) => s !== ''));
  }
  return map;
}

/** Alexa's space-separated scopes → the upstream's, per the configured map (see the top of this file). */
export function mapScopes(alexaScope: string, map: BridgeConfig['upstream']['scopeMap']): string[] {
  const requested = alexaScope.split(' ').filter((s) => s !== '');
  if (map === undefined) return requested;
  const out = new Set<string>();
  for (const scope of requested) for (const mapped of map.get(scope) ?? [scope]) out.add(mapped);
  for (const always of map.get('*') ?? []) out.add(always);
  return [...out];
}
