/**
 * Weak configuration, found at start: what the bridge refuses to run with (a ConfigError naming the variable) and
 * what it only warns about (a `bridge.config_warning` log line naming the variable). The rule of thumb: refused when
 * the operator can fix it and running anyway would expose users; warned when the value is not the operator's to
 * choose, or only a loopback (this-machine-only) bridge is affected.
 *
 * - `http://` for the public URL, the provider's URLs or Alexa's redirect URIs → refused, unless the host is a
 *   loopback address (127.0.0.0/8, ::1, localhost): codes, tokens and the client secrets would cross the network in
 *   clear. A loopback host never leaves the machine (the local stack, tests).
 * - BRIDGE_CLIENT_SECRET (Alexa's secret at the bridge) shorter than 32 characters → refused: the operator makes it
 *   up and types it into the skill's account-linking settings, so a long random one costs nothing. Only warned when
 *   BRIDGE_PUBLIC_URL is itself loopback (nobody but this machine can reach the bridge: the local stack's DEMO-ONLY
 *   secret).
 * - BRIDGE_UPSTREAM_CLIENT_SECRET shorter than 32 characters → warned: the provider issues it; the operator cannot
 *   make it longer.
 * - BRIDGE_KEY with fewer than 16 distinct byte values, or whose bytes form a run (every step between neighbours the
 *   same: 00 00 00…, 00 01 02…) → refused. 32 random bytes have about 30 distinct values; fewer than 16 happens by
 *   chance with a probability below 10⁻¹², so a key failing this was typed or derived, not drawn.
 */
import { ConfigError } from '../common/env.js';
import { isLoopbackHost } from '../common/loopback.js';
import type { Logger } from '../common/logging.js';

export interface ConfigWarning {
  variable: string;
  problem: string;
}

/** Client secrets shorter than this are refused (Alexa's) or warned about (the provider's). */
export const MIN_SECRET_LENGTH = 32;
/** A 32-byte BRIDGE_KEY with fewer distinct byte values is refused. */
export const MIN_KEY_DISTINCT_BYTES = 16;

/** Refuses an http:// URL whose host is not loopback. */
export function requireTransportSecurity(variable: string, url: URL): void {
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(variable, `"${url.origin}" must use https:// (http:// is allowed only for loopback hosts: 127.0.0.0/8, ::1, localhost)`);
  }
}

/** Alexa's secret is refused when short (warned only for a loopback bridge); the provider's is warned about. */
export function checkClientSecrets(alexaSecret: string, upstreamSecret: string, publicUrl: URL): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const short = (secret: string) => [...secret].length < MIN_SECRET_LENGTH;
  if (short(alexaSecret)) {
    const problem = `shorter than ${MIN_SECRET_LENGTH} characters; make up a long random one (e.g. \`openssl rand -base64 32\`) and enter it in the skill's account linking`;
    if (!isLoopbackHost(publicUrl.hostname)) throw new ConfigError('BRIDGE_CLIENT_SECRET', problem);
    warnings.push({ variable: 'BRIDGE_CLIENT_SECRET', problem: `${problem} (accepted only because BRIDGE_PUBLIC_URL is loopback)` });
  }
  if (short(upstreamSecret)) {
    warnings.push({ variable: 'BRIDGE_UPSTREAM_CLIENT_SECRET', problem: `shorter than ${MIN_SECRET_LENGTH} characters; ask the provider for a longer one if it offers that` });
  }
  return warnings;
}

/** Refuses a master key that was obviously not drawn at random (see the top of this file). */
export function requireKeyEntropy(key: Uint8Array): void {
  const distinct = new Set(key).size;
  const step = (key[1]! - key[0]! + 256) % 256;
  const isRun = key.every((byte, i) => i === 0 || (byte - key[i - 1]! + 256) % 256 === step);
  if (distinct < MIN_KEY_DISTINCT_BYTES || isRun) {
    throw new ConfigError('BRIDGE_KEY', `looks low-entropy (${distinct} distinct byte values${isRun ? ', a run' : ''}): draw 32 random bytes (\`openssl rand -base64 32 | tr '+/' '-_' | tr -d =\`)`);
  }
}

/** One warn line per weak setting, naming the variable (never its value). */
export function logConfigWarnings(logger: Logger, warnings: readonly ConfigWarning[]): void {
  for (const { variable, problem } of warnings) logger.warn('bridge.config_warning', { variable, problem });
}
