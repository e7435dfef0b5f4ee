import { CookieJar } from './cookie-jar.js';

export interface Credentials {
  email: string;
  password: string;
}

export interface HeadlessLoginOptions {
  acceptLanguage?: string;
}

/** Raised when the sign-in pages answer with an error instead of letting the user through. */
export class HeadlessLoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HeadlessLoginError';
  }
}

const MAX_STEPS = 20;

function pageMessage(page: string): string | undefined {
  const match = /<p class="error"[^>]*>([^<]*)<\/p>/.exec(page);
  return match?.[1]?.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The client's redirect URI named in the authorization URL, if it names one. */
function clientRedirectUri(authorizationUrl: string): URL | undefined {
  const value = new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (value === null) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function csrfToken(page: string): string | undefined {
  return /name="csrf" value="([^"]+)"/.exec(page)?.[1];
}

/**
 * Goes through the real sign-in and consent pages the way a browser does (fetch, cookies, the forms' CSRF
 * tokens) and returns the final redirect to the client's redirect_uri (with `code` and `state`, or an OAuth
 * `error`) without requesting it. Used by the simulator's `npm run link` and by tests.
 */
export async function completeLoginHeadlessly(
  authorizationUrl: string,
  credentials: Credentials,
  opts: HeadlessLoginOptions = {},
): Promise<URL> {
  const jar = new CookieJar();
  let origin = new URL(authorizationUrl).origin;
  const redirectUri = clientRedirectUri(authorizationUrl);

  const request = (url: URL, form?: Record<string, string>) => jar.fetch(url, { form, acceptLanguage: opts.acceptLanguage });

  let response = await request(new URL(authorizationUrl));
  let url = new URL(authorizationUrl);
  let submittedLogin = false;
  let submittedConsent = false;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== origin) {
        // Sent on before any sign-in page, and not to the client: an intermediary in front of the sign-in pages
        // (the account-linking bridge). Follow it there.
        const toClient = redirectUri !== undefined && next.origin === redirectUri.origin && next.pathname === redirectUri.pathname;
        if (!submittedLogin && !submittedConsent && !toClient) {
          origin = next.origin;
          url = next;
          response = await request(url);
          continue;
        }
        // Leaving the authorization server after the sign-in: that is the redirect to the client.
        return next;
      }
      url = next;
      response = await request(url);
      continue;
    }

    const page = await response.text();
    const csrf = csrfToken(page);
    if (response.status !== 200 || !csrf) {
      throw new HeadlessLoginError(pageMessage(page) ?? `unexpected answer ${response.status} at ${url.pathname}`, response.status);
    }
    const interactionPath = url.pathname.replace(/\/$/, '');
    if (page.includes(`action="${interactionPath}/login"`) && !submittedLogin) {
      submittedLogin = true;
      url = new URL(`${interactionPath}/login`, url);
      response = await request(url, { csrf, email: credentials.email, password: credentials.password });
    } else if (page.includes(`action="${interactionPath}/confirm"`) && !submittedConsent) {
      submittedConsent = true;
      url = new URL(`${interactionPath}/confirm`, url);
      response = await request(url, { csrf });
    } else {
      throw new HeadlessLoginError(pageMessage(page) ?? `unexpected page at ${url.pathname}`, response.status);
    }
  }
  throw new HeadlessLoginError('too many steps in the sign-in flow', 0);
}
