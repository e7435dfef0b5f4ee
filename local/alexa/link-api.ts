/**
 * The simulator's linking API: how the CLIs (`npm run link`, `npm run dialog`) read and change the link that
 * npm start's simulator owns. One process owns the link and its pending authorizations; the CLIs ask it instead of
 * sharing a file, so no change is lost between processes and the outcome of a link is known the moment it happens.
 *
 *   GET  /link/api/state                     the link, never a token: { link: LinkState | null }
 *   POST /link/api/access-token              the access token for the next request, refreshed first when due
 *   POST /link/api/authorizations            {via?, grant?, scopes?} → 201 { authorizationUrl } (open it in a browser)
 *   POST /link/api/authorizations/outcome    {authorizationUrl} → answers once that authorization has ended:
 *                                            { outcome: {result: linked|cancelled|failed…} | null, link }
 *   POST /link/api/headless                  {user, password, via?, grant?, scopes?} → links through the login form
 *   POST /link/api/expire | revoke | unlink  → { link }
 *
 * Every route wants `Authorization: Bearer <key>`, the key npm start keeps in the data directory (mode 0600), so only
 * whoever may read the token file may use the link. Browsers are refused (the testers' console has its own routes).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HeadlessLoginError } from '../auth/headless-login.js';
import { accountView, type AccountView } from './console/account.js';
import { snapshotOf, type LinkSnapshot } from './link-change.js';
import { LinkingError, STATE_LIFETIME_MS, type GrantType, type LinkRoute } from './linking.js';
import type { AlexaSimulator } from './simulator.js';
import type { StoredLink } from './token-store.js';

export const LINK_API_PATH = '/link/api';

/** The link as the CLIs see it: the console's account view, plus what tells one access token from the next. */
export type LinkState = AccountView & Partial<LinkSnapshot>;

export interface LinkApiDependencies {
  /** The simulator whose link this is (the stack's own); its linker completes every redirect. */
  simulator: AlexaSimulator;
  /** A simulator of the same store for another route or grant (LocalStack.createSimulator). */
  createSimulator(variant: LinkVariant): AlexaSimulator;
  /** The authorization server's RFC 7009 endpoint. */
  revocationUrl: string;
  /** What the CLIs present as a bearer token. */
  key: string;
  now?: () => Date;
  /** How often a waiting outcome request gets a byte of whitespace, so no client or proxy gives up; default 15 s. */
  heartbeatMs?: number;
}

/** Which way to link; with via 'deployed-bridge', where that bridge answers (the CLI looks it up, as for a deploy). */
export interface LinkVariant {
  via?: LinkRoute;
  grant?: GrantType;
  deployedBridgeUrl?: string;
}

class ClientMistake extends Error {}

const SCOPES = ['basic_profile', 'order_car'];

export function linkState(link: StoredLink | undefined, now: Date): LinkState {
  return { ...accountView(link, now), ...snapshotOf(link) };
}

export function createLinkApi(deps: LinkApiDependencies): Router {
  const now = deps.now ?? (() => new Date());
  const linker = () => deps.simulator.linker;
  const state = async () => linkState(await linker().linked(), now());
  /** A way to link this stack does not offer (the deployed bridge without its URL) is the caller's mistake. */
  const simulatorFor = (body: unknown) => {
    const choice = choiceOf(body);
    try {
      return deps.createSimulator(choice);
    } catch (error) {
      throw new ClientMistake((error as Error).message);
    }
  };
  const router = express.Router();
  router.use(cliOnly(deps.key), express.json({ limit: '16kb' }));

  router.get('/state', async (_req, res, next) => {
    try {
      res.json({ link: await state() });
    } catch (error) {
      next(error);
    }
  });

  router.post('/access-token', async (_req, res, next) => {
    try {
      res.json({ accessToken: (await deps.simulator.accessToken()) ?? null });
    } catch (error) {
      next(error);
    }
  });

  router.post('/authorizations', async (req, res, next) => {
    try {
      const simulator = simulatorFor(req.body);
      const scopes = scopesOf(req.body);
      const url = await simulator.linker.beginAuthorization(scopes ? { scopes } : {});
      res.status(201).json({ authorizationUrl: url.href });
    } catch (error) {
      next(error);
    }
  });

  // Headers at once, the answer when the authorization ends: whitespace until then keeps the request alive (JSON
  // allows it before the value). Gives up when the caller leaves or the state's lifetime has passed.
  router.post('/authorizations/outcome', async (req, res, next) => {
    let authorizationUrl: URL;
    try {
      authorizationUrl = urlOf(req.body);
    } catch (error) {
      return next(error);
    }
    const leaving = new AbortController();
    res.once('close', () => leaving.abort());
    res.status(200).type('application/json').set('cache-control', 'no-store');
    res.flushHeaders();
    const heartbeat = setInterval(() => res.write(' '), deps.heartbeatMs ?? 15_000);
    try {
      const outcome = await linker().awaitOutcome(authorizationUrl, AbortSignal.any([leaving.signal, AbortSignal.timeout(STATE_LIFETIME_MS)]));
      if (!res.writableEnded) res.end(JSON.stringify({ outcome: outcome ?? null, link: await state() }));
    } catch {
      res.end(JSON.stringify({ error: 'the simulator could not follow this authorization; see the log of npm start' }));
    } finally {
      clearInterval(heartbeat);
    }
  });

  router.post('/headless', async (req, res, next) => {
    try {
      const email = stringField(req.body, 'user');
      const password = stringField(req.body, 'password');
      const scopes = scopesOf(req.body);
      const outcome = await simulatorFor(req.body).link({ email, password }, scopes ? { scopes } : {});
      res.json({ outcome, link: await state() });
    } catch (error) {
      next(error);
    }
  });

  router.post('/expire', async (_req, res, next) => {
    try {
      const expired = await linker().expireAccessToken();
      res.json({ expired, link: await state() });
    } catch (error) {
      next(error);
    }
  });

  router.post('/revoke', async (_req, res, next) => {
    try {
      await linker().revokeAtServer(deps.revocationUrl);
      res.json({ link: await state() });
    } catch (error) {
      next(error);
    }
  });

  router.post('/unlink', async (_req, res, next) => {
    try {
      await deps.simulator.unlink();
      res.json({ link: await state() });
    } catch (error) {
      next(error);
    }
  });

  router.use((_req: Request, res: Response) => void res.status(404).json({ error: 'no such route in the linking API' }));
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const [status, body] = errorAnswer(error);
    res.status(status).set('cache-control', 'no-store').json(body);
  });
  return router;
}

/** The key, in constant time; browsers never (a page open in one could otherwise drive the link). */
function cliOnly(key: string) {
  const expected = createHash('sha256').update(key).digest();
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.get('origin') !== undefined || (req.get('sec-fetch-site') ?? 'none') !== 'none') {
      res.status(403).json({ error: 'this API answers the command-line tools only; the testers\' console is at /' });
      return;
    }
    const presented = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (!timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) {
      res.status(401).json({ error: 'present the key npm start keeps in its data directory (link-api-key)' });
      return;
    }
    // A POST's body, when it has one, is JSON (req.is answers null for no body, false for another type).
    if (req.method === 'POST' && req.is('application/json') === false) {
      res.status(415).json({ error: 'send JSON (content-type: application/json)' });
      return;
    }
    next();
  };
}

function errorAnswer(error: unknown): [number, Record<string, unknown>] {
  if (error instanceof ClientMistake) return [400, { error: error.message }];
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') return [400, { error: 'the body is not valid JSON' }];
  if (type === 'entity.too.large') return [413, { error: 'the body is too large' }];
  if (error instanceof LinkingError) {
    const status = error.code === 'token_endpoint_unreachable' || error.code === 'token_request_failed' ? 502 : 409;
    return [status, { error: error.message, code: error.code, ...error.details }];
  }
  // A wrong password or a sign-in page that changed: the CLI says so in the sign-in's own words.
  if (error instanceof HeadlessLoginError) return [409, { error: (error as Error).message, code: 'sign_in_failed' }];
  return [500, { error: 'the simulator failed unexpectedly; see the log of npm start' }];
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function stringField(body: unknown, name: string): string {
  const value = field(body, name);
  if (typeof value !== 'string' || value === '') throw new ClientMistake(`${name} must be a non-empty string`);
  return value;
}

function choiceOf(body: unknown): LinkVariant {
  const via = field(body, 'via');
  const grant = field(body, 'grant');
  const deployedBridgeUrl = field(body, 'deployedBridgeUrl');
  const choice: LinkVariant = {};
  if (via !== undefined) {
    if (via !== 'direct' && via !== 'bridge' && via !== 'deployed-bridge') throw new ClientMistake('via must be direct, bridge or deployed-bridge');
    choice.via = via;
  }
  if (grant !== undefined) {
    if (grant !== 'AUTH_CODE' && grant !== 'IMPLICIT') throw new ClientMistake('grant must be AUTH_CODE or IMPLICIT');
    choice.grant = grant;
  }
  if (deployedBridgeUrl !== undefined) {
    if (typeof deployedBridgeUrl !== 'string' || !/^https?:\/\//.test(deployedBridgeUrl) || !URL.canParse(deployedBridgeUrl)) {
      throw new ClientMistake('deployedBridgeUrl must be an http(s) URL');
    }
    choice.deployedBridgeUrl = deployedBridgeUrl;
  }
  return choice;
}

function scopesOf(body: unknown): string[] | undefined {
  const scopes = field(body, 'scopes');
  if (scopes === undefined) return undefined;
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((scope) => typeof scope === 'string' && SCOPES.includes(scope))) {
    throw new ClientMistake(`scopes must list some of ${SCOPES.join(', ')}`);
  }
  return scopes as string[];
}

function urlOf(body: unknown): URL {
  const value = stringField(body, 'authorizationUrl');
  try {
    return new URL(value);
  } catch {
    throw new ClientMistake('authorizationUrl must be a URL');
  }
}
