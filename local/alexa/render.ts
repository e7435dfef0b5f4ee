/**
 * Printing for the CLIs. Everything here works on values that hold no token (Turn, LinkOutcome, errors whose
 * messages never include one), so nothing printed can leak a credential.
 */
import { ConfigError } from '../../common/env.js';
import { HeadlessLoginError } from '../auth/headless-login.js';
import { FaultsError } from '../ride-api/faults.js';
import type { Turn } from './dialog-session.js';
import { StackLinkError, StoppedWaiting } from './link-client.js';
import { LinkingError } from './linking.js';
import { SkillRequestError } from './skill-client.js';
import { StackNotRunning } from './stack-check.js';
import type { LinkOutcome } from './simulator.js';

export function renderTurn(turn: Turn): string {
  const lines: string[] = [];
  lines.push(`  → ${describeRequest(turn)}`);
  if (turn.speech !== undefined) lines.push(`Alexa: ${turn.speech}`);
  if (turn.reprompt !== undefined) lines.push(`  (reprompt) ${turn.reprompt}`);
  if (turn.card) {
    if (turn.card.type === 'LinkAccount') {
      lines.push('  [card: LinkAccount] the Alexa app shows "Link account"');
    } else {
      const title = turn.card.title ? ` ${turn.card.title}` : '';
      const content = turn.card.content ? ` — ${turn.card.content.replace(/\s+/gu, ' ').trim()}` : '';
      lines.push(`  [card: ${turn.card.type}]${title}${content}`);
    }
  }
  for (const directive of turn.directives) lines.push(`  [directive ${describeDirective(directive)}]`);
  if (turn.ended) lines.push('  (session ended)');
  return lines.join('\n');
}

export function renderLinkOutcome(outcome: LinkOutcome): string {
  const scope = outcome.scope ? ` with scope "${outcome.scope}"` : '';
  const lines = [`Account linked${scope}; the access token expires at ${outcome.expiresAt}.`];
  lines.push(
    outcome.event.delivered
      ? 'Sent AlexaSkillEvent.SkillAccountLinked to the skill.'
      : `Could not deliver AlexaSkillEvent.SkillAccountLinked to the skill: ${outcome.event.problem ?? 'unknown problem'}.`,
  );
  return lines.join('\n');
}

/** One readable line for the errors the simulator expects; anything else is reported without its stack. */
export function renderError(error: unknown): string {
  if (error instanceof StackNotRunning) return `${error.message[0]!.toUpperCase()}${error.message.slice(1)}.`;
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return `${(error as Error).message} (see --help)`;
  if (error instanceof StackLinkError || error instanceof StoppedWaiting) return error.message;
  if (error instanceof LinkingError && error.code === 'access_denied') return `Linking cancelled (access_denied): ${error.message}`;
  if (error instanceof LinkingError) return `Linking failed (${error.code}): ${error.message}`;
  if (error instanceof SkillRequestError) return `Skill request failed (${error.code}): ${error.message}`;
  if (error instanceof HeadlessLoginError) return `Sign-in failed: ${error.message}`;
  // A wrong option or variable: its message names it; --help lists them all.
  if (error instanceof ConfigError || error instanceof FaultsError) return `${error.message} (see --help)`;
  if (error instanceof Error) return `Something went wrong: ${error.message}`;
  return 'Something went wrong.';
}

export const LINK_HINT = 'Run `npm run link` to link your Ride Hailer account, then try again.';

function describeRequest(turn: Turn): string {
  if (!turn.intent) return turn.requestType;
  const slots = Object.values(turn.intent.slots ?? {})
    .filter((slot) => slot.value !== undefined)
    .map((slot) => `${slot.name}="${slot.value}"`);
  const confirmation = turn.intent.confirmationStatus !== 'NONE' ? ` ${turn.intent.confirmationStatus}` : '';
  return `${turn.requestType} ${turn.intent.name}${slots.length ? ` ${slots.join(' ')}` : ''}${confirmation}`;
}

function describeDirective(directive: Turn['directives'][number]): string {
  if (typeof directive.slotToElicit === 'string') return `${directive.type} ${directive.slotToElicit}`;
  if (typeof directive.slotToConfirm === 'string') return `${directive.type} ${directive.slotToConfirm}`;
  return directive.type;
}
