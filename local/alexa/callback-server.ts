/**
 * The simulator's own HTTP server (SIMULATOR_PORT): the account-linking redirect lands on /link/callback.
 * Other handlers can be mounted beside it, e.g. `serveCertificateChain(material)` from ./signing.ts, which
 * npm start mounts so the local skill endpoint can download the test certificate chain from here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Response } from 'express';
import { LinkingError } from './linking.js';

export const CALLBACK_PATH = '/link/callback';
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

  app.get(CALLBACK_PATH, async (req, res) => {
    try {
      await options.onCallback(new URL(req.originalUrl, `http://${host}`));
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
