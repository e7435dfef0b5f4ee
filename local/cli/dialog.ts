/**
 * `npm run dialog`: talk to the skill like `ask dialog`; `npm run dialog -- --help` lists every option.
 */
import { createInterface, type Interface } from 'node:readline';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { parseArgs } from 'node:util';
import { parseLocale } from '../alexa/config.js';
import type { Turn } from '../alexa/dialog-session.js';
import type { SkillEventType } from '../alexa/envelopes.js';
import { describeLinkChange, linkChange, type LinkSnapshot } from '../alexa/link-change.js';
import type { LinkState } from '../alexa/link-api.js';
import type { StackLink } from '../alexa/link-client.js';
import { redactEnvelope } from '../alexa/redact.js';
import { LINK_HINT, renderError, renderTurn } from '../alexa/render.js';
import { ensureStackRunning } from '../alexa/stack-check.js';
import type { AlexaSimulator } from '../alexa/simulator.js';
import type { SimulatorConfig } from '../alexa/config.js';
import { linkInBrowser, simulatorFromEnvironment } from '../alexa/wiring.js';

const EVENTS: Record<string, SkillEventType> = { linked: 'SkillAccountLinked', enabled: 'SkillEnabled', disabled: 'SkillDisabled' };

const REPL_HELP = `Say anything the skill understands, e.g. "open ride hailer", "order a ride to the airport".
  .link     link the account (browser)      .unlink   remove the link
  .json     show/hide the request and response envelopes (tokens shortened)
  .end      end the session                 .quit     leave (Ctrl-D works too)`;

const DIALOG_HELP = `npm run dialog — talk to the skill as Alexa does (signed requests to npm start's skill endpoint)

Usage: npm run dialog [-- options]    (npm start must be running in another terminal)

  (no option)                 a conversation at the prompt; type .help there for its commands
                              (.link, .unlink, .json, .end, .quit)
                                npm run dialog
  --locale en-US|en-GB|de-DE  the locale of the requests (default en-US)
                                npm run dialog -- --locale de-DE
  --say TEXT                  say this and print the answer; repeat for a conversation; exit 1 if the skill refused
                                npm run dialog -- --say "order a ride to the airport" --say "where is my ride"
  --event linked|enabled|disabled
                              send AlexaSkillEvent.SkillAccountLinked / SkillEnabled / SkillDisabled
                                npm run dialog -- --event enabled
  --json                      print each request and response envelope (tokens shortened to their first characters)
                                npm run dialog -- --json --say "who am i"
  --help                      this text

A line starting with "(link)" says when the simulator refreshed the access token or the link was dropped.
Other ports: the same variables as npm start (PORT, AUTH_PORT, SIMULATOR_PORT, LOCAL_DATA_DIR).`;

/** Whether envelopes are printed; --json sets it, .json toggles it. */
const view = { json: false };

function printExchange(request: RequestEnvelope, response: ResponseEnvelope | undefined): void {
  if (!view.json) return;
  console.log(`  request ${JSON.stringify(redactEnvelope(request), null, 2).replace(/\n/gu, '\n  ')}`);
  console.log(response ? `  response ${JSON.stringify(redactEnvelope(response), null, 2).replace(/\n/gu, '\n  ')}` : '  response (none usable)');
}

/** Runs one exchange and says when the link changed under it (a silent refresh, a dropped link), as npm start's simulator reports it. */
async function watchingTheLink<T>(link: StackLink, exchange: () => Promise<T>): Promise<T> {
  const before = snapshot(await link.state());
  try {
    return await exchange();
  } finally {
    const after = snapshot(await link.state());
    const change = linkChange(before, after);
    if (change) console.log(`(link) ${describeLinkChange(change, after)}`);
  }
}

function snapshot(state: LinkState): LinkSnapshot | undefined {
  const { tokenId, linkedAt, expiresAt, refreshable } = state;
  return state.linked && tokenId && linkedAt && expiresAt ? { tokenId, linkedAt, expiresAt, refreshable: refreshable ?? false } : undefined;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      locale: { type: 'string' },
      say: { type: 'string', multiple: true },
      event: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(DIALOG_HELP);
    return 0;
  }
  view.json = values.json;
  const events = (values.event ?? []).map((name) => {
    const type = EVENTS[name];
    if (!type) throw new Error(`--event must be one of ${Object.keys(EVENTS).join(', ')}`);
    return type;
  });
  const { simulator, config, link } = await simulatorFromEnvironment({ locale: parseLocale(values.locale), onExchange: printExchange });
  await ensureStackRunning(config);

  if (events.length > 0 || values.say) return script(simulator, link, events, values.say ?? []);
  return repl(simulator, link, config);
}

/** One-shot: events, then utterances in order; exit 1 when the endpoint refused a request. */
async function script(simulator: AlexaSimulator, link: StackLink, events: SkillEventType[], utterances: string[]): Promise<number> {
  try {
    for (const event of events) {
      await watchingTheLink(link, () => simulator.sendSkillEvent(event));
      console.log(`Sent AlexaSkillEvent.${event}; the skill accepted it.`);
    }
    for (const utterance of utterances) {
      console.log(`you> ${utterance}`);
      const turn = await watchingTheLink(link, () => simulator.say(utterance));
      printTurn(turn);
      if (turn.linkRequested) console.log(LINK_HINT);
    }
    // The user says nothing more: Alexa closes the open session after the reprompt went unanswered.
    if (simulator.sessionOpen) await simulator.endSession('EXCEEDED_MAX_REPROMPTS');
    return 0;
  } catch (error) {
    console.error(renderError(error));
    return 1;
  }
}

async function repl(simulator: AlexaSimulator, link: StackLink, config: SimulatorConfig): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  // Lines are read through one iterator so piped input is never lost between prompts.
  const lines = rl[Symbol.asyncIterator]();
  let inputEnded = false;
  rl.once('close', () => {
    inputEnded = true;
  });
  const next = async (prompt: string): Promise<string | undefined> => {
    // Piped input may end before its buffered lines are read; only prompt while the terminal is still there.
    if (!inputEnded) {
      rl.setPrompt(prompt);
      rl.prompt();
    }
    const line = await lines.next();
    return line.done ? undefined : line.value;
  };
  console.log(`Talking to the skill in ${simulator.locale}. ${(await link.state()).linked ? 'Account linked.' : 'Account not linked.'} Type .help for help.`);

  for (;;) {
    const line = await next('you> ');
    if (line === undefined || line.trim() === '.quit') break;
    const input = line.trim();
    try {
      if (input === '.help') console.log(REPL_HELP);
      else if (input === '.json') {
        view.json = !view.json;
        console.log(view.json ? 'Envelopes on (tokens shortened).' : 'Envelopes off.');
      }
      else if (input === '.link') await linkFromRepl(link, config, rl);
      else if (input === '.unlink') {
        await link.unlink();
        console.log('Account unlinked.');
      } else if (input === '.end') await simulator.endSession();
      else if (input === '' && simulator.sessionOpen) continue;
      else {
        const turn = await watchingTheLink(link, () => simulator.say(input));
        printTurn(turn);
        if (turn.linkRequested) {
          const answer = await next('Link now? (y/n) ');
          if (answer?.trim().toLowerCase().startsWith('y')) await linkFromRepl(link, config, rl);
          else console.log(LINK_HINT);
        }
      }
    } catch (error) {
      console.error(renderError(error));
    }
  }

  rl.close();
  try {
    await simulator.endSession();
  } catch (error) {
    console.error(renderError(error));
  }
  return 0;
}

/** Ctrl-C while waiting gives up on this link and returns to the prompt. */
async function linkFromRepl(link: StackLink, config: SimulatorConfig, rl: Interface): Promise<void> {
  const abort = new AbortController();
  const giveUp = () => abort.abort(new Error('linking cancelled'));
  rl.once('SIGINT', giveUp);
  try {
    console.log(await linkInBrowser(link, config, { signal: abort.signal }));
  } finally {
    rl.off('SIGINT', giveUp);
  }
}

function printTurn(turn: Turn): void {
  console.log(renderTurn(turn));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(renderError(error));
    process.exit(1);
  },
);
