/**
 * The simulator's own HTTP server (SIMULATOR_PORT): the account-linking redirect lands on /link/callback (the
 * code grant) or on /spa/skill/account-linking-status.html (the implicit grant, the path Alexa uses).
 * Other handlers can be mounted beside it, e.g. `serveCertificateChain(material)` from ./signing.ts, which
 * npm start mounts so the local skill endpoint can download the test certificate chain from here.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { listen, type BoundSocket } from '../../common/listen.js';
import { FAVICON_PATHS, sendFavicon } from '../favicon.js';
import { CALLBACK_PATH, IMPLICIT_CALLBACK_PATH } from '../redirect-uris.js';
import { endPageFor, pageLanguage, renderEndPage, renderImplicitPage } from './end-pages.js';

export { CALLBACK_PATH, IMPLICIT_CALLBACK_PATH } from '../redirect-uris.js';
/** Where that page posts the fragment it read, as Alexa's own page hands it to the Alexa app. */
const IMPLICIT_FRAGMENT_PATH = '/spa/skill/account-linking-status';
/** What GET /healthz answers, so `npm run link` can tell npm start's simulator from another program on the port. */
export const SIMULATOR_HEALTH = { status: 'ok', service: 'alexa-simulator' } as const;

export interface CallbackServerOptions {
  port: number;
  host?: string;
  /** A socket already bound on host (the local stack binds every piece first); then `port` is not used. */
  socket?: BoundSocket;
  /** Completes the linking for the redirect URL received (AlexaSimulator.completeLinking). */
  onCallback: (callbackUrl: URL) => Promise<unknown>;
  /** Express middleware or routers (a plain node (req, res) listener works too), tried after the callback route. */
  handlers?: express.RequestHandler[];
  /** Where the testers' console is served on this server, if it is: the end pages link back to it. */
  consolePath?: string;
}

export interface CallbackServer {
  /** Base URL, e.g. http://127.0.0.1:3003/ */
  url: URL;
  port: number;
  close(): Promise<void>;
}

export async function startCallbackServer(options: CallbackServerOptions): Promise<CallbackServer> {
  const host = options.host ?? '127.0.0.1';
  const app = express();
  app.disable('x-powered-by');
  const links = options.consolePath === undefined ? {} : { consolePath: options.consolePath };

  // The end of the journey is a page in the browser's language; the implicit page's script asks for JSON instead.
  const complete = async (callbackUrl: URL, req: Request, res: Response) => {
    let failure: unknown;
    try {
      await options.onCallback(callbackUrl);
    } catch (error) {
      failure = error;
    }
    const page = endPageFor(failure, pageLanguage(req.get('accept-language')));
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(page.status).set(PAGE_HEADERS).json({ outcome: page.outcome, title: page.title, message: page.message });
    } else {
      sendHtml(res, page.status, renderEndPage(page, links));
    }
  };
  const base = `http://${host.includes(':') ? `[${host}]` : host}`;

  app.get(CALLBACK_PATH, (req, res) => complete(new URL(req.originalUrl, base), req, res));

  // The implicit grant: the page reads its own fragment and posts it here (form-encoded, as it came).
  app.get(IMPLICIT_CALLBACK_PATH, (req, res) => {
    const nonce = randomBytes(16).toString('base64');
    sendHtml(res, 200, renderImplicitPage(pageLanguage(req.get('accept-language')), nonce, IMPLICIT_FRAGMENT_PATH, links), nonce);
  });
  app.post(IMPLICIT_FRAGMENT_PATH, express.text({ type: 'application/x-www-form-urlencoded', limit: '16kb' }), (req: Request, res) => {
    const fragment = typeof req.body === 'string' ? req.body : '';
    const query = new URL(req.originalUrl, base).search;
    return complete(new URL(`${IMPLICIT_CALLBACK_PATH}${query}#${fragment}`, base), req, res);
  });
  app.get(FAVICON_PATHS, sendFavicon);
  app.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json(SIMULATOR_HEALTH);
  });
  app.all(CALLBACK_PATH, (_req, res) => {
    res.setHeader('allow', 'GET');
    reply(res, 405, 'Method not allowed.');
  });
  for (const handler of options.handlers ?? []) app.use(handler);
  app.use((_req, res) => reply(res, 404, 'Not found.'));

  const server: Server = createServer(app);
  const { port } = await listen(server, { port: options.port, host, socket: options.socket });
  return {
    url: new URL(`http://${host}:${port}/`),
    port,
    // Let a reply in flight (the "linked" page) finish; idle keep-alive connections go at once, stragglers after 1 s.
    close: () =>
      new Promise<void>((resolve, reject) => {
        const straggler = setTimeout(() => server.closeAllConnections(), 1000);
        server.close((error) => {
          clearTimeout(straggler);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  // The URL held a one-time code (or the page a token); keep it out of Referer headers.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  // A browser visits once; not keeping the connection lets linkWithCallback close the server right away.
  connection: 'close',
};

/** The login pages' policy (inline style only); the implicit page's script may run under its nonce and post back. */
function sendHtml(res: Response, status: number, page: string, nonce?: string) {
  const script = nonce === undefined ? '' : ` script-src 'nonce-${nonce}'; connect-src 'self';`;
  res
    .status(status)
    .set({
      ...PAGE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none';${script} style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    })
    .send(page);
}

function reply(res: Response, status: number, text: string) {
  res
    .status(status)
    .set({
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      // The URL held a one-time code; keep it out of Referer headers.
      'referrer-policy': 'no-referrer',
      // A browser visits once; not keeping the connection lets linkWithCallback close the server right away.
      connection: 'close',
    })
    .send(`${text}\n`);
}
