/**
 * Simulator configuration: what the skill-package declares (account linking, interaction models), with the
 * local overrides Alexa's developer console would hold (URLs, the client secret) taken from the environment.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../common/env.js';
import { DEMO } from '../demo.js';
import { stackPort } from '../environment.js';
import { localDataDir, PROJECT_ROOT } from '../paths.js';
import { CALLBACK_PATH, IMPLICIT_CALLBACK_PATH } from '../redirect-uris.js';
import { isSupportedLocale, SUPPORTED_LOCALES, type Locale } from './interaction-model.js';
import type { AccessTokenScheme, GrantType, LinkingConfig, LinkRoute } from './linking.js';

export { localDataDir, PROJECT_ROOT } from '../paths.js';

/** In the data directory: the key the CLIs present to npm start's linking API. */
export const LINK_API_KEY_FILE = 'link-api-key';

/** Alexa gives a token endpoint 4.5 s. */
export const TOKEN_ENDPOINT_TIMEOUT_MS = 4500;
/** Refresh a little before expiry so a token never runs out between the check and the skill's use of it. */
export const REFRESH_LEEWAY_SECONDS = 30;

export interface SimulatorConfig {
  skillEndpoint: URL;
  skillId: string;
  /** Port of the simulator's own server (the linking callback; npm start mounts the certificate chain there too). */
  port: number;
  /** The simulator's server of npm start (callback, console, /healthz). */
  simulatorUrl: URL;
  /** The authorization server's RFC 7009 revocation endpoint (`npm run link -- --revoke`). */
  revocationUrl: URL;
  /** How new links are made (route and grant as chosen, e.g. `npm run link -- --via bridge`). */
  linking: LinkingConfig;
  /**
   * Every setup the simulator knows (direct code grant, bridge code grant, bridge implicit grant), so a link or an
   * authorization started through any of them — maybe by another simulator — completes and refreshes where it began.
   */
  setups: LinkingConfig[];
  /** The deployed bridge's setup, found when a link made through it must be completed or refreshed. */
  discoverSetup: (route: LinkRoute, grant: GrantType) => Promise<LinkingConfig | undefined>;
  skillPackageDir: string;
  /** Where npm start's simulator keeps the linked tokens (git-ignored, mode 0600); only that process writes it. */
  tokenFile: string;
  /** The key npm start keeps for its linking API (link-api.ts), readable by the owner only. */
  linkApiKeyFile: string;
  /** Where the local test CA and the request-signing key live. */
  signingDir: string;
}

/** The fields of skill-package/accountLinking.json the simulator uses. */
export interface AccountLinkingDeclaration {
  type: string;
  authorizationUrl: string;
  accessTokenUrl: string;
  accessTokenScheme?: string;
  clientId: string;
  scopes?: string[];
  defaultTokenExpirationInSeconds?: number;
}

type Env = Record<string, string | undefined>;

/**
 * The same variables as npm start (PORT, AUTH_PORT, SIMULATOR_PORT, LOCAL_DATA_DIR) point the CLIs at a stack
 * started on other ports or with another data directory; the *_URL variables override single URLs.
 */
export async function loadSimulatorConfig(env: Env = process.env, projectRoot = PROJECT_ROOT, choice: LinkChoice = {}): Promise<SimulatorConfig> {
  if (choice.route === 'deployed-bridge' && !optional(env, 'DEPLOYED_BRIDGE_URL')) {
    const { deployedBridgeUrl } = await import('./deployed-bridge.js');
    env = { ...env, DEPLOYED_BRIDGE_URL: await deployedBridgeUrl(env) };
  }
  const skillPackageDir = join(projectRoot, 'skill-package');
  const declared = await readAccountLinking(skillPackageDir);
  const port = stackPort(env, 'simulator');
  const skillPort = stackPort(env, 'skill');
  const dataDir = localDataDir(env, projectRoot);
  return {
    skillEndpoint: httpUrl(env, 'SKILL_ENDPOINT_URL', `http://127.0.0.1:${skillPort}/`),
    skillId: optional(env, 'ALEXA_SKILL_ID') ?? DEMO.skillId,
    port,
    simulatorUrl: new URL(`http://127.0.0.1:${port}/`),
    revocationUrl: httpUrl(env, 'AUTH_REVOCATION_URL', `http://127.0.0.1:${stackPort(env, 'auth')}/token/revocation`),
    skillPackageDir,
    tokenFile: join(dataDir, 'alexa-link.json'),
    linkApiKeyFile: join(dataDir, LINK_API_KEY_FILE),
    signingDir: join(dataDir, 'alexa-ca'),
    linking: linkingConfig(declared, env, port, choice),
    setups: linkingSetups(declared, env, port),
    discoverSetup: discoverDeployedBridgeSetup(declared, env, port),
  };
}

/** Every way the local stack can link: straight to the authorization server, or through the bridge with either grant. */
export function linkingSetups(declared: AccountLinkingDeclaration, env: Env, port: number): LinkingConfig[] {
  const choices: LinkChoice[] = [
    { route: 'direct', grant: 'AUTH_CODE' },
    { route: 'bridge', grant: 'AUTH_CODE' },
    { route: 'bridge', grant: 'IMPLICIT' },
  ];
  return choices.map((choice) => linkingConfig(declared, env, port, choice));
}

/**
 * The deployed bridge's setups, looked up when needed (a link made through it, completed or refreshed by a process
 * that started before the deploy): the Function URL from the local cloud, then the usual settings.
 */
export function discoverDeployedBridgeSetup(declared: AccountLinkingDeclaration, env: Env, port: number, cloudUrl?: string) {
  return async (route: LinkRoute, grant: GrantType): Promise<LinkingConfig | undefined> => {
    if (route !== 'deployed-bridge') return undefined;
    const { deployedBridgeUrl, findDeployedBridgeUrl } = await import('./deployed-bridge.js');
    const url = cloudUrl ? await findDeployedBridgeUrl(cloudUrl) : await deployedBridgeUrl(env).catch(() => undefined);
    return url ? linkingConfig(declared, { ...env, DEPLOYED_BRIDGE_URL: url }, port, { route, grant }) : undefined;
  };
}

/** How a link is made: through whom (default direct) and with which grant (default: accountLinking.json's type). */
export interface LinkChoice {
  route?: LinkRoute;
  grant?: GrantType;
}


/**
 * Combines the declaration with the environment; `port` decides the redirect URI Alexa would register. The route
 * decides whom Alexa talks to: the authorization server (AUTH_PORT) or the bridge in front of it (BRIDGE_PORT), which
 * Alexa knows under the same client ID and secret. The implicit grant exists only through the bridge: the local
 * authorization server, on oidc-provider 9, offers the code grant alone.
 */
export function linkingConfig(declared: AccountLinkingDeclaration, env: Env, port: number, choice: LinkChoice = {}): LinkingConfig {
  if (declared.type !== 'AUTH_CODE' && declared.type !== 'IMPLICIT') {
    throw new ConfigError('accountLinking.json', `type "${declared.type}" must be AUTH_CODE or IMPLICIT`);
  }
  const grant = choice.grant ?? declared.type;
  const route = choice.route ?? (grant === 'IMPLICIT' ? 'bridge' : 'direct');
  if (grant === 'IMPLICIT' && route === 'direct') {
    throw new ConfigError('--grant', 'the implicit grant goes through the bridge: the local authorization server offers only the code grant');
  }
  const authPort = stackPort(env, 'auth');
  const bridgePort = stackPort(env, 'bridge');
  // accountLinking.json names the production URLs; the local stack overrides them like a developer-console edit.
  const deployed = route === 'deployed-bridge' ? optional(env, 'DEPLOYED_BRIDGE_URL') : undefined;
  if (route === 'deployed-bridge' && deployed === undefined) throw new ConfigError('DEPLOYED_BRIDGE_URL', 'not set (the deployed bridge\'s Function URL; see local/alexa/deployed-bridge.ts)');
  const urls =
    deployed !== undefined
      ? { authorizationUrl: new URL('authorize', deployed.endsWith('/') ? deployed : `${deployed}/`), accessTokenUrl: new URL('token', deployed.endsWith('/') ? deployed : `${deployed}/`) }
      : route === 'bridge'
      ? {
          authorizationUrl: httpUrl(env, 'BRIDGE_AUTHORIZATION_URL', `http://127.0.0.1:${bridgePort}/authorize`),
          accessTokenUrl: httpUrl(env, 'BRIDGE_TOKEN_URL', `http://127.0.0.1:${bridgePort}/token`),
        }
      : {
          authorizationUrl: httpUrl(env, 'AUTH_AUTHORIZATION_URL', `http://127.0.0.1:${authPort}/auth`),
          accessTokenUrl: httpUrl(env, 'AUTH_TOKEN_URL', `http://127.0.0.1:${authPort}/token`),
        };
  return {
    grant,
    route,
    ...urls,
    accessTokenScheme: scheme(declared.accessTokenScheme),
    clientId: declared.clientId,
    // The real secret lives in the developer console, never in the skill-package; the demo one is for the local stack.
    clientSecret: optional(env, 'ALEXA_CLIENT_SECRET') ?? DEMO.clientSecret,
    scopes: declared.scopes ?? [],
    // PKCE is a switch in the developer console, not in accountLinking.json; the local skill has it on (RFC 9700
    // recommends it), so linking shows the local authorization server and the bridge verifying it.
    pkce: grant === 'AUTH_CODE',
    // Alexa's redirect URLs, on the simulator's port: …/api/skill/link/<vendorId> and, for the implicit grant,
    // …/spa/skill/account-linking-status.html?vendorId=<vendorId>.
    redirectUri:
      grant === 'IMPLICIT'
        ? `http://127.0.0.1:${port}${IMPLICIT_CALLBACK_PATH}?vendorId=${encodeURIComponent(DEMO.vendorId)}`
        : `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    defaultTokenExpirationSeconds: declared.defaultTokenExpirationInSeconds ?? 3600,
    tokenRequestTimeoutMs: TOKEN_ENDPOINT_TIMEOUT_MS,
    refreshLeewaySeconds: REFRESH_LEEWAY_SECONDS,
  };
}

export async function readAccountLinking(skillPackageDir: string): Promise<AccountLinkingDeclaration> {
  const file = join(skillPackageDir, 'accountLinking.json');
  let parsed: { accountLinkingRequest?: AccountLinkingDeclaration };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('accountLinking.json', `cannot read ${file}: ${(error as Error).message}`);
  }
  const declared = parsed.accountLinkingRequest;
  if (!declared || typeof declared.clientId !== 'string' || typeof declared.type !== 'string') {
    throw new ConfigError('accountLinking.json', 'accountLinkingRequest with type and clientId is missing');
  }
  return declared;
}

export function parseLocale(value: string | undefined): Locale {
  if (value === undefined) return 'en-US';
  if (!isSupportedLocale(value)) throw new ConfigError('--locale', `"${value}" must be one of ${SUPPORTED_LOCALES.join(', ')}`);
  return value;
}

function scheme(value: string | undefined): AccessTokenScheme {
  if (value === undefined || value === 'HTTP_BASIC') return 'HTTP_BASIC';
  if (value === 'REQUEST_BODY_CREDENTIALS') return value;
  throw new ConfigError('accountLinking.json', `accessTokenScheme "${value}" must be HTTP_BASIC or REQUEST_BODY_CREDENTIALS`);
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function httpUrl(env: Env, name: string, fallback: string): URL {
  const value = optional(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, `"${value}" must be an http(s) URL`);
  return url;
}
