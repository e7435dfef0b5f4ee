import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { listen, type BoundSocket } from '../../common/listen.js';
import { DEMO } from '../demo.js';
import { FAVICON_PATHS, sendFavicon } from '../favicon.js';
import { alexaRedirectUris } from '../redirect-uris.js';
import { revokeAccountAccess } from './account-revocation.js';
import { CsrfTokens } from './csrf.js';
import { openAuthDatabase, persistentSecret } from './database.js';
import { interactionRoutes } from './interactions.js';
import { logOutbox, type Outbox } from './outbox.js';
import { PasswordResets } from './password-resets.js';
import { PendingSignUps } from './pending-signups.js';
import { createProvider, type ClientRegistration } from './provider.js';
import { securityHeaders } from './security-headers.js';
import { SqliteAdapter } from './sqlite-adapter.js';
import { DEFAULT_THROTTLE_LIMITS, SignInThrottle, type ThrottleLimits } from './throttle.js';
import { SqliteUserDirectory, type UserDirectory } from './users.js';

export type { ClientRegistration } from './provider.js';
export type { User, UserDirectory } from './users.js';
export type { Mail, Outbox } from './outbox.js';
export type { ThrottleLimits } from './throttle.js';

export interface AuthServerOptions {
  /** Default 0 (ephemeral); the local stack passes 3001. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A socket already bound on host (the local stack binds every piece first); then `port` is not used. */
  socket?: BoundSocket;
  /** Default http://<host>:<actual port>. */
  issuer?: string;
  /** Default ':memory:'; the local stack uses .local/auth.sqlite so linking survives restarts. */
  databaseFile?: string;
  /** Alexa vendor ID for the registered redirect URLs; default DEMO.vendorId. */
  vendorId?: string;
  /** Further exact redirect URIs for the Alexa client: the simulator's (or a test's) callback. */
  extraRedirectUris?: string[];
  clientId?: string;
  clientSecret?: string;
  /** Resource indicator of the Ride Hailer API (the tokens' `aud`); default DEMO.apiAudience. */
  audience?: string;
  /** Default 3600 (Alexa needs at least 360). */
  accessTokenTtlSeconds?: number;
  /** Default 365 days; refresh tokens and grants must outlive 14 idle days. */
  refreshTokenTtlSeconds?: number;
  /** Create the DEMO-ONLY user DEMO.user when missing; default true. */
  seedDemoUser?: boolean;
  /**
   * Default console.log. Never receives tokens, secrets or passwords; only the outbox's local-only mails carry a
   * link (recovery, sign-up confirmation).
   */
  log?: (line: string) => void;
  /** Where the sign-in pages' mails go; default: one readable line each in `log` (LOCAL-ONLY). */
  outbox?: Outbox;
  /** Sign-in and mail throttling; defaults in throttle.ts (DEFAULT_THROTTLE_LIMITS). Tests lower them. */
  throttle?: Partial<ThrottleLimits>;
  /** More confidential clients besides Alexa's; for tests (e.g. a code presented by another client). */
  additionalClients?: ClientRegistration[];
}

export interface AuthServer {
  /** The issuer URL. */
  url: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  jwksUrl: string;
  users: UserDirectory;
  close(): Promise<void>;
}

const DEFAULT_REFRESH_TOKEN_TTL = 365 * 24 * 60 * 60;

/** An ES256 signing key (private JWK), created on first start and then read back from the database. */
async function generateSigningKey(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig' };
  jwk.kid = await calculateJwkThumbprint(jwk);
  return JSON.stringify(jwk);
}

const randomKey = () => randomBytes(32).toString('base64url');

/**
 * Starts the local OAuth 2.0 authorization server (oidc-provider configured for Alexa account linking, with
 * the login, sign-up, recovery and consent pages in front of it).
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => console.log(line));
  const db = openAuthDatabase(options.databaseFile ?? ':memory:');
  const users = new SqliteUserDirectory(db);

  if ((options.seedDemoUser ?? true) && !(await users.findByEmail(DEMO.user.email))) {
    await users.create(DEMO.user);
    log(`auth: seeded the DEMO-ONLY user ${DEMO.user.email} (credentials in local/demo.ts)`);
  }

  const signingKey = JSON.parse(await persistentSecret(db, 'signing-key', generateSigningKey)) as JWK;
  const cookieKey = await persistentSecret(db, 'cookie-key', randomKey);
  const csrf = new CsrfTokens(Buffer.from(await persistentSecret(db, 'csrf-key', randomKey), 'base64url'));

  const server = createServer();
  let address: AddressInfo;
  try {
    address = await listen(server, { port: options.port ?? 0, host, socket: options.socket });
  } catch (error) {
    db.close();
    throw error;
  }
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const issuer = options.issuer ?? `http://${hostInUrl}:${address.port}`;

  const provider = createProvider({
    issuer,
    adapter: SqliteAdapter.factory(db),
    signingKey,
    cookieKeys: [cookieKey],
    clients: [
      {
        clientId: options.clientId ?? DEMO.clientId,
        clientSecret: options.clientSecret ?? DEMO.clientSecret,
        redirectUris: [...alexaRedirectUris(options.vendorId ?? DEMO.vendorId), ...(options.extraRedirectUris ?? [])],
        name: 'Alexa',
      },
      ...(options.additionalClients ?? []),
    ],
    audience: options.audience ?? DEMO.apiAudience,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL,
    users,
    log,
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get(FAVICON_PATHS, sendFavicon);
  app.use(
    interactionRoutes({
      provider,
      users,
      resets: new PasswordResets(db),
      signUps: new PendingSignUps(db),
      csrf,
      throttle: new SignInThrottle({ ...DEFAULT_THROTTLE_LIMITS, ...options.throttle }),
      revokeAccountAccess: (accountId) => revokeAccountAccess(provider, db, accountId),
      outbox: options.outbox ?? logOutbox(log),
      issuer,
      log,
    }),
  );
  app.use(provider.callback());
  server.on('request', app);

  log(`auth: authorization server listening on http://${hostInUrl}:${address.port} (issuer ${issuer})`);

  const url = new URL(issuer).href.replace(/\/$/, '');
  return {
    url: issuer,
    authorizationUrl: `${url}/auth`,
    tokenUrl: `${url}/token`,
    revocationUrl: `${url}/token/revocation`,
    jwksUrl: `${url}/jwks`,
    users,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      db.close();
    },
  };
}
