/**
 * Reading settings from the environment, shared by the skill's configuration (config.ts) and the bridge's
 * (bridge/config.ts): every problem is a ConfigError that names the variable, so a misconfigured deployment says so
 * at start-up with one readable line instead of failing at the first request.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Each variable at fault with its problem (`message` is `NAME: problem`), in the order the settings were read. */
  readonly problems: ReadonlyArray<{ variable: string; message: string }>;

  /** One variable's problem — or several ConfigErrors as one, so that a configuration is reported whole. */
  constructor(variable: string, problem: string);
  constructor(errors: readonly ConfigError[]);
  constructor(variableOrErrors: string | readonly ConfigError[], problem = '') {
    const problems =
      typeof variableOrErrors === 'string' ? [{ variable: variableOrErrors, message: `${variableOrErrors}: ${problem}` }] : variableOrErrors.flatMap((error) => error.problems);
    super(problems.map((p) => p.message).join('; '));
    this.problems = problems;
  }

  /** The first variable at fault. */
  get variable(): string {
    return this.problems[0]?.variable ?? '';
  }

  /** Every variable at fault, each once. */
  get variables(): string[] {
    return [...new Set(this.problems.map((p) => p.variable))];
  }
}

/**
 * Reads a whole configuration, noting each ConfigError instead of stopping at the first, so a deployment is fixed in
 * one round rather than one variable per deploy. `read` returns what the reader returns — or, once the problem is
 * noted, a placeholder nobody sees, because `done()` then throws every problem as one ConfigError.
 */
export class ConfigReader {
  private readonly errors: ConfigError[] = [];

  read<T>(reader: () => T): T {
    try {
      return reader();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.errors.push(error);
      return undefined as T;
    }
  }

  done(): void {
    if (this.errors.length > 0) throw new ConfigError(this.errors);
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
