/**
 * Fault switches: make the resource server misbehave on purpose so the skill's timeouts, retries and error speech
 * can be tested and demonstrated. All off by default. They apply to the API routes (/v1/…) only; /healthz and the
 * admin route always answer, so a fault can always be switched off again.
 *
 * Environment variables (read by `faultsFromEnvironment`, used when `startRideApi` gets no `faults` option):
 *   RIDE_API_FAULT_LATENCY_MS       added delay before every API answer, in ms
 *   RIDE_API_FAULT_STATUS           answer every API request with this status (400–599), e.g. 500, 502, 503, 429
 *   RIDE_API_FAULT_RETRY_AFTER_S    `Retry-After` seconds sent with the forced status
 *   RIDE_API_FAULT_MALFORMED_JSON   `1`: JSON answers are cut in half
 *   RIDE_API_FAULT_REFUSE_TOKENS    `1`: every access token is refused with 401 invalid_token
 *   RIDE_API_FAULT_HANG             `1`: requests are accepted and never answered
 */

export interface Faults {
  latencyMs?: number;
  status?: number;
  retryAfterSeconds?: number;
  malformedJson?: boolean;
  refuseAllTokens?: boolean;
  hang?: boolean;
}

export class FaultsError extends Error {
  override name = 'FaultsError';
}

const MAX_LATENCY_MS = 10 * 60_000;
const BOOLEAN_FAULTS = ['malformedJson', 'refuseAllTokens', 'hang'] as const;
const KNOWN_FAULTS = new Set<string>(['latencyMs', 'status', 'retryAfterSeconds', ...BOOLEAN_FAULTS]);

/** Checks an untrusted value (admin route body, setFaults argument) and returns a clean copy; throws FaultsError. */
export function parseFaults(value: unknown): Faults {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultsError('faults must be a JSON object');
  }
  const input = value as Record<string, unknown>;
  const unknown = Object.keys(input).filter((name) => !KNOWN_FAULTS.has(name));
  if (unknown.length > 0) throw new FaultsError(`unknown fault ${unknown.join(', ')}`);

  const faults: Faults = {};
  const latencyMs = integerField(input, 'latencyMs', 0, MAX_LATENCY_MS);
  if (latencyMs !== undefined) faults.latencyMs = latencyMs;
  const status = integerField(input, 'status', 400, 599);
  if (status !== undefined) faults.status = status;
  const retryAfterSeconds = integerField(input, 'retryAfterSeconds', 0, 86_400);
  if (retryAfterSeconds !== undefined) faults.retryAfterSeconds = retryAfterSeconds;
  for (const name of BOOLEAN_FAULTS) {
    const flag = input[name];
    if (flag === undefined) continue;
    if (typeof flag !== 'boolean') throw new FaultsError(`${name} must be true or false`);
    faults[name] = flag;
  }
  return faults;
}

type Env = Record<string, string | undefined>;

export function faultsFromEnvironment(env: Env): Faults {
  const number = (name: string): number | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed)) throw new FaultsError(`${name}: expected a number, got ${JSON.stringify(raw)}`);
    return parsed;
  };
  const flag = (name: string): boolean | undefined => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    throw new FaultsError(`${name}: expected 1 or 0, got ${JSON.stringify(raw)}`);
  };
  const candidate = {
    latencyMs: number('RIDE_API_FAULT_LATENCY_MS'),
    status: number('RIDE_API_FAULT_STATUS'),
    retryAfterSeconds: number('RIDE_API_FAULT_RETRY_AFTER_S'),
    malformedJson: flag('RIDE_API_FAULT_MALFORMED_JSON'),
    refuseAllTokens: flag('RIDE_API_FAULT_REFUSE_TOKENS'),
    hang: flag('RIDE_API_FAULT_HANG'),
  };
  return parseFaults(Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined)));
}

function integerField(input: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FaultsError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
