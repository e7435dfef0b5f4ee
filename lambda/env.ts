/**
 * Reading settings from the environment, shared by the skill's configuration (config.ts) and the bridge's
 * (bridge/config.ts): every problem is a ConfigError that names the variable, so a misconfigured deployment fails at
 * start-up with one readable line instead of at the first request.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

/** The trimmed value; undefined when unset or blank. */
export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function required(env: Env, name: string, why = 'it is required'): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(name, `not set (${why})`);
  return value;
}

/** An absolute http(s) URL; `name` is the variable it came from. */
export function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `"${value}" must be an http(s) URL`);
  }
  return url;
}

export function integer(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(name, `"${raw}" must be a whole number from ${range.min} to ${range.max}`);
  }
  return value;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) throw new ConfigError(name, `"${raw}" must be one of ${allowed.join(', ')}`);
  return value;
}
