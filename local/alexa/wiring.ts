/** Builds the real simulator for the CLIs (and npm start): config from env, the test CA's signer, the token file. */
import { createLogger } from '../../lambda/logging.js';
import { loadSimulatorConfig, type SimulatorConfig } from './config.js';
import type { Locale } from './interaction-model.js';
import { createRequestSigner } from './signing.js';
import { AlexaSimulator } from './simulator.js';
import { loadOrCreateSigningMaterial } from './test-ca.js';
import { FileTokenStore } from './token-store.js';

export interface WiredSimulator {
  simulator: AlexaSimulator;
  config: SimulatorConfig;
}

export async function simulatorFromEnvironment(options: { locale?: Locale; env?: Record<string, string | undefined> } = {}): Promise<WiredSimulator> {
  const config = await loadSimulatorConfig(options.env ?? process.env);
  const material = await loadOrCreateSigningMaterial(config.signingDir);
  const simulator = new AlexaSimulator({
    skillEndpoint: config.skillEndpoint,
    locale: options.locale ?? 'en-US',
    linking: config.linking,
    tokenStore: new FileTokenStore(config.tokenFile),
    sign: createRequestSigner(material),
    skillId: config.skillId,
    skillPackageDir: config.skillPackageDir,
    // Only warnings (a dropped link, a failed refresh) reach the terminal; the logger redacts credential fields.
    logger: createLogger('warn', (line) => process.stderr.write(`${line}\n`)),
  });
  return { simulator, config };
}
