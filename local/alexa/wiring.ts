/** Builds the real simulator for the CLIs (and npm start): config from env, the test CA's signer, the token file. */
import { createLogger } from '../../common/logging.js';
import { loadSimulatorConfig, type LinkChoice, type SimulatorConfig } from './config.js';
import type { Locale } from './interaction-model.js';
import { renderLinkOutcome } from './render.js';
import { createRequestSigner } from './signing.js';
import { AlexaSimulator, type ExchangeListener, type LinkOutcome } from './simulator.js';
import { loadOrCreateSigningMaterial } from './test-ca.js';
import { FileTokenStore } from './token-store.js';

/**
 * A simulator log line as the CLIs print it: "(link) could not refresh the access token: token_endpoint_unreachable".
 * A dropped link is not repeated: the dialog says so itself on the turn it happened ("(link) link dropped: …").
 */
export function terminalLine(jsonLine: string): string | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { event, level, time: _time, ...fields } = record;
  if (event === 'link.dropped') return undefined;
  const words = TERMINAL_WORDS[String(event)] ?? String(event).replace(/[._]/g, ' ');
  const details = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name} ${String(value)}`)
    .join(', ');
  return `(${level === 'error' ? 'error' : 'warning'}) ${words}${details ? `: ${details}` : ''}`;
}

const TERMINAL_WORDS: Record<string, string> = {
  'link.refresh_failed': 'could not refresh the access token; the old one is sent',
  'link.state_not_saved': 'could not save the linking state; another process may not find it',
  'link.outcome_not_saved': 'could not save the outcome of the link for npm run link',
};

export interface WiredSimulator {
  simulator: AlexaSimulator;
  config: SimulatorConfig;
}

export async function simulatorFromEnvironment(
  options: { locale?: Locale; env?: Record<string, string | undefined>; choice?: LinkChoice; onExchange?: ExchangeListener } = {},
): Promise<WiredSimulator> {
  const config = await loadSimulatorConfig(options.env ?? process.env, undefined, options.choice);
  const material = await loadOrCreateSigningMaterial(config.signingDir);
  const simulator = new AlexaSimulator({
    skillEndpoint: config.skillEndpoint,
    locale: options.locale ?? 'en-US',
    linking: config.linking,
    linkingAlternatives: config.setups,
    discoverLinkingSetup: config.discoverSetup,
    tokenStore: new FileTokenStore(config.tokenFile),
    sign: createRequestSigner(material),
    skillId: config.skillId,
    skillPackageDir: config.skillPackageDir,
    // Only warnings (a failed refresh, state not saved) reach the terminal, in words, between the turns a person
    // reads; the logger redacts credential fields first.
    logger: createLogger('warn', (line) => {
      const text = terminalLine(line);
      if (text !== undefined) process.stderr.write(`${text}\n`);
    }),
    ...(options.onExchange ? { onExchange: options.onExchange } : {}),
  });
  return { simulator, config };
}

/**
 * The CLIs' browser linking (`npm run link`, the dialog's "Link now?"): prints the URL to open and waits. With its own
 * callback server when the port is free; when npm start already serves it, npm start completes the link and this
 * process waits for it in the shared token store. Resolves to what to print.
 */
export async function linkInBrowser(simulator: AlexaSimulator, config: SimulatorConfig, options: { signal?: AbortSignal; print?: (text: string) => void; scopes?: string[] } = {}): Promise<string> {
  const print = options.print ?? ((text: string) => console.log(text));
  const outcome = await simulator.linkWithCallback({
    port: config.port,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.scopes ? { scopes: options.scopes } : {}),
    showUrl: (url, callbackServer, mode) => {
      print(`Open this URL in a browser, sign in and allow access:\n\n  ${url.toString()}\n`);
      print(
        mode === 'own-server'
          ? `Waiting for the redirect to ${config.linking.redirectUri} … (Ctrl-C to give up)`
          : `npm start's simulator at ${callbackServer.origin} receives the redirect; waiting for it to complete the link … (Ctrl-C to give up)`,
      );
    },
  });
  return renderBrowserLink(outcome);
}

function renderBrowserLink(outcome: LinkOutcome): string {
  if (!outcome.completedElsewhere) return renderLinkOutcome(outcome);
  const scope = outcome.scope ? ` with scope "${outcome.scope}"` : '';
  return [
    `Account linked${scope}; the access token expires at ${outcome.expiresAt}.`,
    "npm start's simulator received the redirect, completed the link and sent AlexaSkillEvent.SkillAccountLinked to the skill (see its log).",
  ].join('\n');
}
