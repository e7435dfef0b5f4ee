/**
 * Builds what the CLIs need from the environment: npm start's linking API (the link's one owner, link-client.ts) and
 * a simulator that signs its requests with the test CA and asks that owner for each request's access token.
 */
import { createLogger } from '../../common/logging.js';
import { readKey } from '../key-file.js';
import { loadSimulatorConfig, type LinkChoice, type SimulatorConfig } from './config.js';
import type { Locale } from './interaction-model.js';
import type { LinkVariant } from './link-api.js';
import { StackLink, StackLinkError, StoppedWaiting, type AuthorizationEnd } from './link-client.js';
import { STATE_LIFETIME_MS } from './linking.js';
import { createRequestSigner } from './signing.js';
import { AlexaSimulator, authorizationFailure, type ExchangeListener } from './simulator.js';
import { loadOrCreateSigningMaterial } from './test-ca.js';
import { MemoryTokenStore } from './token-store.js';

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
};

export interface WiredSimulator {
  simulator: AlexaSimulator;
  config: SimulatorConfig;
  /** npm start's simulator, which owns the link. */
  link: StackLink;
}

/** The linking API of the stack the environment names; its key is read at the first call, once the stack was found. */
export function stackLinkFor(config: SimulatorConfig): StackLink {
  return new StackLink({
    simulatorUrl: config.simulatorUrl,
    key: async () => {
      const key = await readKey(config.linkApiKeyFile);
      if (key === undefined) {
        throw new StackLinkError(`there is no ${config.linkApiKeyFile} for npm start's linking API: is LOCAL_DATA_DIR the one npm start uses?`);
      }
      return key;
    },
  });
}

export async function simulatorFromEnvironment(
  options: { locale?: Locale; env?: Record<string, string | undefined>; choice?: LinkChoice; onExchange?: ExchangeListener } = {},
): Promise<WiredSimulator> {
  const config = await loadSimulatorConfig(options.env ?? process.env, undefined, options.choice);
  const material = await loadOrCreateSigningMaterial(config.signingDir);
  const link = stackLinkFor(config);
  const simulator = new AlexaSimulator({
    skillEndpoint: config.skillEndpoint,
    locale: options.locale ?? 'en-US',
    linking: config.linking,
    linkingAlternatives: config.setups,
    discoverLinkingSetup: config.discoverSetup,
    // This process keeps no link: each request's access token comes from npm start's simulator, refreshed there.
    tokenStore: new MemoryTokenStore(),
    accessToken: () => link.accessToken(),
    sign: createRequestSigner(material),
    skillId: config.skillId,
    skillPackageDir: config.skillPackageDir,
    // Only warnings reach the terminal, in words, between the turns a person reads; the logger redacts credential
    // fields first.
    logger: createLogger('warn', (line) => {
      const text = terminalLine(line);
      if (text !== undefined) process.stderr.write(`${text}\n`);
    }),
    ...(options.onExchange ? { onExchange: options.onExchange } : {}),
  });
  return { simulator, config, link };
}

/**
 * The CLIs' browser linking (`npm run link`, the dialog's "Link now?"): npm start's simulator starts the
 * authorization and receives the redirect; this prints the URL and waits in one request for how it ended.
 * Resolves to what to print; a cancel or a failed code exchange is thrown in the end page's words.
 */
export async function linkInBrowser(
  link: StackLink,
  config: Pick<SimulatorConfig, 'simulatorUrl'>,
  options: { signal?: AbortSignal; print?: (text: string) => void; scopes?: string[]; variant?: LinkVariant } = {},
): Promise<string> {
  const print = options.print ?? ((text: string) => console.log(text));
  const url = await link.startAuthorization(options.variant ?? {}, options.scopes);
  print(`Open this URL in a browser, sign in and allow access:\n\n  ${url.toString()}\n`);
  print(`npm start's simulator at ${config.simulatorUrl.origin} receives the redirect; waiting for it to complete the link … (Ctrl-C to give up)`);
  let end: AuthorizationEnd;
  try {
    end = await link.outcome(url, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw new StoppedWaiting();
    throw error;
  }
  const { outcome, link: state } = end;
  if (outcome === null) {
    // The owner answers null when the authorization's 15 minutes passed, or when it never started it (restarted since).
    throw new StackLinkError(
      `No redirect came within ${STATE_LIFETIME_MS / 60_000} minutes (or npm start was restarted since it printed the URL), so the account was not linked; run npm run link again for a fresh URL`,
    );
  }
  if (outcome.result !== 'linked') throw authorizationFailure(outcome);
  const scope = state.scopes.length > 0 ? ` with scope "${state.scopes.join(' ')}"` : '';
  return [
    `Account linked${scope}; the access token expires at ${state.expiresAt ?? '?'}.`,
    "npm start's simulator received the redirect, completed the link and sent AlexaSkillEvent.SkillAccountLinked to the skill (see its log).",
  ].join('\n');
}
