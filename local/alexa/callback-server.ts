/**
 * The simulator's own HTTP server (SIMULATOR_PORT): the account-linking redirect lands on /link/callback (the
 * code grant) or on /spa/skill/account-linking-status.html (the implicit grant, the path Alexa uses).
 * Other handlers can be mounted beside it, e.g. `serveCertificateChain(material)` from ./signing.ts, which
 * npm start mounts so the local skill endpoint can download the test certificate chain from here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { LinkingError } from './linking.js';

export const CALLBACK_PATH = '/link/callback';
/** Alexa's redirect page for the implicit grant; the token comes in the fragment, which never reaches a server. */
export const IMPLICIT_CALLBACK_PATH = '/spa/skill/account-linking-status.html';
/** Where that page posts the fragment it read, as Alexa's own page hands it to the Alexa app. */
const IMPLICIT_FRAGMENT_PATH = '/spa/skill/account-linking-status';
/** What GET /healthz answers, so `npm run link` can tell npm start's simulator from another program on the port. */
export const SIMULATOR_HEALTH = { status: 'ok', service: 'alexa-simulator' } as const;

export interface CallbackServerOptions {
  port: number;
  host?: string;
  /** Completes the linking for the redirect URL received (AlexaSimulator.completeLinking). */
  onCallback: (callbackUrl: URL) => Promise<unknown>;
  /** Express middleware or routers (a plain node (req, res) listener works too), tried after the callback route. */
  handlers?: express.RequestHandler[];
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

  const complete = async (callbackUrl: URL, res: Response) => {
    try {
      await options.onCallback(callbackUrl);
      reply(res, 200, 'Linked — you can close this page.');
    } catch (error) {
      if (!(error instanceof LinkingError)) {
        reply(res, 500, 'Linking failed unexpectedly; see the terminal.');
      } else if (error.code === 'access_denied') {
        reply(res, 200, 'Linking cancelled — you did not allow access. You can close this page.');
      } else {
        const clientMistake = error.code === 'state_mismatch' || error.code === 'authorization_error';
        reply(res, clientMistake ? 400 : 502, `Linking failed: ${error.message}`);
      }
    }
  };
  const base = `http://${host.includes(':') ? `[${host}]` : host}`;

  app.get(CALLBACK_PATH, (req, res) => complete(new URL(req.originalUrl, base), res));

  // The implicit grant: the page reads its own fragment and posts it here (form-encoded, as it came).
  app.get(IMPLICIT_CALLBACK_PATH, (_req, res) => implicitPage(res));
  app.post(IMPLICIT_FRAGMENT_PATH, express.text({ type: 'application/x-www-form-urlencoded', limit: '16kb' }), (req: Request, res) => {
    const fragment = typeof req.body === 'string' ? req.body : '';
    const query = new URL(req.originalUrl, base).search;
    return complete(new URL(`${IMPLICIT_CALLBACK_PATH}${query}#${fragment}`, base), res);
  });
  app.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store').json(SIMULATOR_HEALTH);
  });
  app.all(CALLBACK_PATH, (_req, res) => {
    res.setHeader('allow', 'GET');
    reply(res, 405, 'Method not allowed.');
  });
  for (const handler of options.handlers ?? []) app.use(handler);
  app.use((_req, res) => reply(res, 404, 'Not found.'));

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
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

/**
 * Alexa's account-linking-status page, reduced to its job: take the fragment (access token, state) out of the
 * address bar at once, hand it to the simulator, and show the outcome. The script runs under a per-response nonce.
 */
function implicitPage(res: Response) {
  const nonce = randomBytes(16).toString('base64');
  res
    .status(200)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; style-src 'unsafe-inline'`,
      connection: 'close',
    })
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Account linking</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}</style></head>
<body><p id="status">Linking your account …</p>
<script nonce="${nonce}">
const fragment = location.hash.slice(1);
history.replaceState(null, '', location.pathname + location.search);
fetch(${JSON.stringify(IMPLICIT_FRAGMENT_PATH)} + location.search, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: fragment,
})
  .then((response) => response.text())
  .then((text) => { document.getElementById('status').textContent = text; })
  .catch(() => { document.getElementById('status').textContent = 'Linking failed: the simulator did not answer.'; });
</script></body></html>
`);
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
