/**
 * The testers' console: the developer console's Test tab, offline, served by the simulator's server (`/`).
 *
 * Server-rendered HTML plus one small script (console.js) that calls the JSON routes below — the lightest setup
 * that stays pleasant to change: no build step, no framework, every string on the page comes from page.ts, and the
 * routes are the same AlexaSimulator calls the CLIs and tests make. Requests to the skill go through the simulator's
 * signed path, so the skill endpoint keeps verifying them.
 *
 *   GET  /                       the page (?locale=en-US|en-GB|de-DE; default from Accept-Language)
 *   GET  /console/link           302 to a fresh authorization URL (?grant=code|implicit&via=direct|bridge&scope=all|basic_profile)
 *   GET  /console/api/state      the account (never a token) and the API's fault switches
 *   POST /console/api/say        {locale, utterance} → the turn, the envelopes (tokens shortened), a link change
 *   POST /console/api/session/end {locale}
 *   POST /console/api/account    {action: expire|revoke|unlink}
 *   PUT  /console/api/faults     the Ride Hailer API's fault switches (local/ride-api/faults.ts)
 *   POST /console/api/event      {locale, event: SkillAccountLinked|SkillEnabled|SkillDisabled}
 *
 * State-changing routes take JSON only and refuse cross-site callers (Origin / Sec-Fetch-Site), so another page open
 * in the same browser cannot drive them.
 */
import { readFileSync } from 'node:fs';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Faults } from '../../ride-api/faults.js';
import { FaultsError } from '../../ride-api/faults.js';
import type { SkillEventType } from '../envelopes.js';
import { SUPPORTED_LOCALES, type Locale } from '../interaction-model.js';
import { describeLinkChange, linkChange, snapshotOf } from '../link-change.js';
import { LinkingError, type GrantType, type LinkRoute } from '../linking.js';
import { redactEnvelope } from '../redact.js';
import type { AlexaSimulator } from '../simulator.js';
import { SkillRequestError } from '../skill-client.js';
import { accountView } from './account.js';
import { consoleLocale, renderConsolePage } from './page.js';

export interface ConsoleDependencies {
  /** A simulator of the local stack sharing its token store (LocalStack.createSimulator). */
  createSimulator(variant: { locale?: Locale; via?: LinkRoute; grant?: GrantType; onExchange?: (request: RequestEnvelope, response: ResponseEnvelope | undefined) => void }): AlexaSimulator;
  /** The authorization server's RFC 7009 endpoint. */
  revocationUrl: string;
  api: { faults(): Faults; setFaults(faults: Faults): void };
  now?: () => Date;
}

interface Exchange {
  request: RequestEnvelope;
  response: ResponseEnvelope | undefined;
}

interface Conversation {
  simulator: AlexaSimulator;
  /** Envelopes of the action in progress; taken (and emptied) when it answers. */
  exchanges: Exchange[];
}

const EVENTS: readonly SkillEventType[] = ['SkillAccountLinked', 'SkillEnabled', 'SkillDisabled'];
const ASSETS = {
  script: readFileSync(new URL('./console.js', import.meta.url), 'utf8'),
  style: readFileSync(new URL('./console.css', import.meta.url), 'utf8'),
};
const MAX_UTTERANCE = 500;

/** No inline script or style anywhere: the page runs only console.js and console.css from this origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

class ClientMistake extends Error {}

export function createConsoleRouter(deps: ConsoleDependencies): Router {
  const now = deps.now ?? (() => new Date());
  const conversations = new Map<Locale, Conversation>();
  const conversation = (locale: Locale): Conversation => {
    let found = conversations.get(locale);
    if (!found) {
      const exchanges: Exchange[] = [];
      const simulator = deps.createSimulator({ locale, onExchange: (request, response) => exchanges.push({ request, response }) });
      found = { simulator, exchanges };
      conversations.set(locale, found);
    }
    return found;
  };
  const linker = () => conversation('en-US').simulator.linker;
  // One action at a time: the envelopes recorded belong to the action that answers, and refreshes never race.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(action: () => Promise<T>): Promise<T> => {
    const run = queue.then(action, action);
    queue = run.catch(() => undefined);
    return run;
  };

  const router = express.Router();
  router.get('/', (req, res) => {
    const locale = consoleLocale(req.query.locale, req.get('accept-language'));
    page(res).type('html').send(renderConsolePage(locale));
  });
  router.get('/console.js', (_req, res) => {
    page(res).type('text/javascript').send(ASSETS.script);
  });
  router.get('/console.css', (_req, res) => {
    page(res).type('text/css').send(ASSETS.style);
  });

  router.get('/console/link', async (req, res, next) => {
    try {
      const grant = pick(req.query.grant, ['code', 'implicit'] as const, 'code');
      const via = pick(req.query.via, ['direct', 'bridge'] as const, grant === 'implicit' ? 'bridge' : 'direct');
      const scope = pick(req.query.scope, ['all', 'basic_profile'] as const, 'all');
      const simulator = deps.createSimulator({ via, grant: grant === 'implicit' ? 'IMPLICIT' : 'AUTH_CODE' });
      const url = await simulator.linker.beginAuthorization(scope === 'all' ? {} : { scopes: ['basic_profile'] });
      res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).redirect(302, url.href);
    } catch (error) {
      next(error);
    }
  });

  router.get('/console/api/state', async (_req, res, next) => {
    try {
      res.set('cache-control', 'no-store').json({ account: accountView(await linker().linked(), now()), faults: deps.api.faults() });
    } catch (error) {
      next(error);
    }
  });

  const api = express.Router();
  api.use(sameOriginJsonOnly, express.json({ limit: '16kb' }));

  api.post('/say', async (req, res, next) => {
    try {
      const locale = localeOf(req.body);
      const utterance = stringField(req.body, 'utterance').trim();
      if (utterance === '' || utterance.length > MAX_UTTERANCE) throw new ClientMistake(`utterance must be 1–${MAX_UTTERANCE} characters`);
      const talk = conversation(locale);
      res.json(await serially(() => observe(talk, locale, () => talk.simulator.say(utterance))));
    } catch (error) {
      next(error);
    }
  });

  api.post('/session/end', async (req, res, next) => {
    try {
      const locale = localeOf(req.body);
      const talk = conversation(locale);
      res.json(await serially(() => observe(talk, locale, async () => talk.simulator.endSession())));
    } catch (error) {
      next(error);
    }
  });

  api.post('/event', async (req, res, next) => {
    try {
      const locale = localeOf(req.body);
      const event = pick(stringField(req.body, 'event'), EVENTS, undefined);
      const talk = conversation(locale);
      res.json(await serially(() => observe(talk, locale, async () => talk.simulator.sendSkillEvent(event))));
    } catch (error) {
      next(error);
    }
  });

  api.post('/account', async (req, res, next) => {
    try {
      const action = pick(stringField(req.body, 'action'), ['expire', 'revoke', 'unlink'] as const, undefined);
      await serially(async () => {
        if (action === 'expire') {
          if (!(await linker().expireAccessToken())) throw new ClientMistake('no account is linked');
        } else if (action === 'revoke') {
          await linker().revokeAtServer(deps.revocationUrl);
        } else {
          await linker().unlink();
        }
      });
      res.json({ account: accountView(await linker().linked(), now()) });
    } catch (error) {
      next(error);
    }
  });

  api.put('/faults', (req, res, next) => {
    try {
      deps.api.setFaults(req.body as Faults);
      res.json({ faults: deps.api.faults() });
    } catch (error) {
      next(error instanceof FaultsError ? new ClientMistake(error.message) : error);
    }
  });

  router.use('/console/api', api);
  router.use('/console', (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const [status, message] = errorAnswer(error);
    res.status(status).set('cache-control', 'no-store').json({ error: message });
  });

  /** Runs one action and answers with what it did: the turn, the envelopes (tokens shortened), the link's change. */
  async function observe(talk: Conversation, locale: Locale, action: () => Promise<unknown>) {
    talk.exchanges.length = 0;
    const before = await linker().linked();
    let result: unknown;
    let failure: string | undefined;
    try {
      result = await action();
    } catch (error) {
      if (!(error instanceof SkillRequestError)) throw error;
      failure = error.message;
    }
    const after = await linker().linked();
    const change = linkChange(snapshotOf(before), snapshotOf(after));
    const exchanges = talk.exchanges.splice(0).map(({ request, response }) => ({
      request: redactEnvelope(request),
      response: response === undefined ? null : redactEnvelope(response),
    }));
    return {
      turn: typeof result === 'object' && result !== null && 'requestType' in result ? result : null,
      exchanges,
      linkChange: change === undefined ? null : { kind: change, text: describeLinkChange(change, after, locale === 'de-DE') },
      account: accountView(after, now()),
      error: failure ?? null,
    };
  }

  return router;
}

function page(res: Response): Response {
  return res.set({
    'cache-control': 'no-store',
    'content-security-policy': CSP,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  });
}

/** JSON only (a cross-site form cannot send it without a preflight) and never from another site. */
function sameOriginJsonOnly(req: Request, res: Response, next: NextFunction) {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const sameOrigin = origin === undefined || origin === `${req.protocol}://${req.get('host')}`;
  if ((site !== undefined && site !== 'same-origin' && site !== 'none') || !sameOrigin) {
    res.status(403).json({ error: 'the console answers its own page only' });
    return;
  }
  if (req.method !== 'GET' && !req.is('application/json')) {
    res.status(415).json({ error: 'send JSON (content-type: application/json)' });
    return;
  }
  next();
}

function errorAnswer(error: unknown): [number, string] {
  if (error instanceof ClientMistake) return [400, error.message];
  if ((error as { type?: string }).type === 'entity.parse.failed') return [400, 'the body is not valid JSON'];
  if ((error as { type?: string }).type === 'entity.too.large') return [413, 'the body is too large'];
  if (error instanceof LinkingError) return [error.code === 'token_endpoint_unreachable' || error.code === 'token_request_failed' ? 502 : 409, error.message];
  if (error instanceof SkillRequestError) return [502, error.message];
  return [500, 'the console failed unexpectedly; see the log of npm start'];
}

function stringField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string') throw new ClientMistake(`${name} must be a string`);
  return value;
}

function localeOf(body: unknown): Locale {
  return pick(stringField(body, 'locale'), SUPPORTED_LOCALES, undefined);
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T | undefined): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ClientMistake(`expected one of ${allowed.join(', ')}`);
}
