import { createHash, randomBytes } from 'node:crypto';
import { DEMO } from '../../local/demo.js';
import { CookieJar } from '../../local/auth/cookie-jar.js';
import { completeLoginHeadlessly } from '../../local/auth/headless-login.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';

/** The test's own redirect URI on loopback; never requested (the flows stop at the redirect). */
export const CALLBACK = 'http://127.0.0.1:9/link/callback';
export const DEMO_LOGIN = { email: DEMO.user.email, password: DEMO.user.password };

export interface AuthorizeParams {
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  state?: string | null;
  codeChallenge?: string;
}

export function authorizeUrl(server: AuthServer, params: AuthorizeParams = {}): string {
  const url = new URL(server.authorizationUrl);
  url.searchParams.set('client_id', params.clientId ?? DEMO.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', params.redirectUri ?? CALLBACK);
  url.searchParams.set('scope', params.scope ?? 'basic_profile order_car');
  if (params.state !== null) url.searchParams.set('state', params.state ?? 'state-123');
  if (params.codeChallenge) {
    url.searchParams.set('code_challenge', params.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.href;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Runs the real login + consent pages headlessly and returns the code from the redirect. */
export async function obtainCode(server: AuthServer, params: AuthorizeParams = {}, login = DEMO_LOGIN): Promise<string> {
  const redirect = await completeLoginHeadlessly(authorizeUrl(server, params), login);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in redirect: ${redirect.searchParams.get('error') ?? 'unknown'}`);
  return code;
}

export interface ClientAuth {
  scheme?: 'basic' | 'post';
  clientId?: string;
  clientSecret?: string;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function tokenRequest(server: AuthServer, form: Record<string, string>, auth: ClientAuth = {}): Promise<TokenAnswer> {
  const clientId = auth.clientId ?? DEMO.clientId;
  const clientSecret = auth.clientSecret ?? DEMO.clientSecret;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(form);
  if ((auth.scheme ?? 'basic') === 'basic') {
    const encode = (value: string) => encodeURIComponent(value);
    headers.authorization = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  }
  const response = await fetch(server.tokenUrl, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function exchangeCode(server: AuthServer, code: string, auth: ClientAuth = {}, extra: Record<string, string> = {}) {
  return tokenRequest(server, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...extra }, auth);
}

export function refresh(server: AuthServer, refreshToken: string, auth: ClientAuth = {}) {
  return tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth);
}

/** Links the demo user: login, consent, code exchange. Returns the token response body. */
export async function link(server: AuthServer, params: AuthorizeParams = {}): Promise<Record<string, unknown>> {
  const answer = await exchangeCode(server, await obtainCode(server, params));
  if (answer.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Collects log lines so tests can assert nothing secret was logged. */
export function captureLog(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/**
 * The authorization server of the enclosing `describe`, with the test callback registered and its log captured:
 * started before the suite's tests and closed after them. Tests read `suite.server` and `suite.logged`.
 */
export function authServerForSuite(): { server: AuthServer; logged: ReturnType<typeof captureLog> } {
  const suite = { logged: captureLog() } as { server: AuthServer; logged: ReturnType<typeof captureLog> };
  before(async () => {
    suite.server = await startAuthServer({ extraRedirectUris: [CALLBACK], log: suite.logged.log });
  });
  after(async () => {
    await suite.server.close();
  });
  return suite;
}

/**
 * The link in the last local-only mail to `to` whose path starts with `path` (`/recover/`, `/signup/`); the outbox
 * prints each mail as one log line.
 */
export function linkInMail(lines: readonly string[], to: string, path: string): string | undefined {
  const mails = lines.filter((line) => line.includes('[local-only outbox') && line.includes(` to ${to}:`));
  const pattern = new RegExp(`(http://\\S+${path}\\S+)`);
  for (const line of mails.reverse()) {
    const link = pattern.exec(line)?.[1];
    if (link) return link;
  }
  return undefined;
}

export interface PageAnswer {
  status: number;
  /** The URL that answered (after same-origin redirects). */
  url: URL;
  text: string;
  /** Set when the chain ended in a redirect leaving the authorization server (to the client). */
  redirect?: URL;
}

/** Drives the sign-in pages like a browser without JavaScript: cookies, forms, same-origin redirects. */
export class FormClient {
  readonly jar = new CookieJar();

  constructor(private readonly acceptLanguage?: string) {}

  async open(url: string | URL, form?: Record<string, string>): Promise<PageAnswer> {
    let target = new URL(url);
    const origin = target.origin;
    let response = await this.request(target, form);
    for (let hops = 0; hops < 10; hops += 1) {
      const location = response.headers.get('location');
      if (!(response.status >= 300 && response.status < 400 && location)) break;
      await response.body?.cancel();
      const next = new URL(location, target);
      if (next.origin !== origin) return { status: response.status, url: target, text: '', redirect: next };
      target = next;
      response = await this.request(target);
    }
    return { status: response.status, url: target, text: await response.text() };
  }

  private request(url: URL, form?: Record<string, string>): Promise<Response> {
    return this.jar.fetch(url, { form, acceptLanguage: this.acceptLanguage });
  }

}

export function csrfOf(page: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}
