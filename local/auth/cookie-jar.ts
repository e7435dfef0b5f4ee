/**
 * A minimal cookie jar for driving the sign-in pages with fetch: one origin, honours Path, Max-Age and
 * Expires, enough for oidc-provider's interaction and session cookies. Not a general-purpose jar.
 */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string; expires: number }>();

  /** Stores the Set-Cookie headers of a response to `requestUrl`. */
  store(requestUrl: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = requestUrl.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires = Infinity;
      for (const attribute of attributes) {
        const [key = '', ...rest] = attribute.split('=');
        const attributeValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            path = attributeValue || '/';
            break;
          case 'max-age':
            expires = Date.now() + Number(attributeValue) * 1000;
            break;
          case 'expires':
            if (expires === Infinity) expires = Date.parse(attributeValue);
            break;
        }
      }
      const key = `${name};${path}`;
      if (expires <= Date.now()) this.cookies.delete(key);
      else this.cookies.set(key, { value, path, expires });
    }
  }

  /** The Cookie header for a request to `url`, or undefined when no cookie applies. */
  headerFor(url: URL): string | undefined {
    const now = Date.now();
    const pairs: string[] = [];
    for (const [key, cookie] of this.cookies) {
      if (cookie.expires <= now) continue;
      const matches =
        url.pathname === cookie.path ||
        url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`);
      if (matches) pairs.push(`${key.slice(0, key.indexOf(';'))}=${cookie.value}`);
    }
    return pairs.length ? pairs.join('; ') : undefined;
  }

  /**
   * One request as a browser without JavaScript makes it: the jar's cookies sent, a form posted urlencoded, the
   * answer's cookies kept, redirects left to the caller.
   */
  async fetch(url: URL, options: { form?: Record<string, string>; acceptLanguage?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    const cookie = this.headerFor(url);
    if (cookie) headers.cookie = cookie;
    if (options.acceptLanguage) headers['accept-language'] = options.acceptLanguage;
    const response = await fetch(url, {
      method: options.form ? 'POST' : 'GET',
      headers,
      body: options.form ? new URLSearchParams(options.form) : undefined,
      redirect: 'manual',
    });
    this.store(url, response);
    return response;
  }
}
