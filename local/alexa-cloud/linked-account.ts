/**
 * The account the simulated Alexa user has linked, for the simulations route: the same token store the simulator
 * uses (`.local/alexa-link.json`, written by `npm run link`), read through an AccountLinker so an access token that is
 * about to expire is refreshed at the token endpoint first — as Alexa does before it calls a skill.
 */
import type { Logger } from '../../lambda/logging.js';
import { loadSimulatorConfig } from '../alexa/config.js';
import { AccountLinker } from '../alexa/linking.js';
import { FileTokenStore } from '../alexa/token-store.js';

/** `() => access token or undefined`, configured from the same environment as `npm run link` (LOCAL_DATA_DIR, AUTH_PORT…). */
export async function linkedAccessToken(env: Record<string, string | undefined> = process.env, logger?: Logger): Promise<() => Promise<string | undefined>> {
  const config = await loadSimulatorConfig(env);
  const linker = new AccountLinker({ config: config.linking, store: new FileTokenStore(config.tokenFile), ...(logger ? { logger } : {}) });
  return () => linker.accessToken();
}
