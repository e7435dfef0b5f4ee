/**
 * The part of the Fetch API's `Headers` that jose's remote key set uses, for the bundle only.
 *
 * `createRemoteJWKSet` builds its request headers with `new Headers(…)`, and Node's global `Headers` is undici's:
 * its first use loads all of undici, the cost jwks-fetch.ts exists to avoid. jose only calls `has` and `set` on it
 * (User-Agent, Accept) and hands it to the custom fetch, which reads it with `Object.fromEntries`. The bundler
 * (scripts/bundle.ts) gives jose's jwks/remote.js this class as its `Headers`; nothing else sees it, and under tsx
 * (tests, the local stack) jose keeps the real one. test/unit/bundle.test.ts checks that the built skill answers a
 * linked request without undici loaded, so a jose release that needs more of `Headers` fails there.
 */
export class Headers extends Map<string, string> {
  constructor(init?: Record<string, string>) {
    super();
    for (const [name, value] of Object.entries(init ?? {})) this.set(name, value);
  }

  /** Header names are case-insensitive; kept lower-case, as the Fetch API does. */
  override has(name: string): boolean {
    return super.has(name.toLowerCase());
  }

  override get(name: string): string | undefined {
    return super.get(name.toLowerCase());
  }

  override set(name: string, value: string): this {
    return super.set(name.toLowerCase(), String(value));
  }
}
