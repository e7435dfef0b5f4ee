/**
 * One Alexa conversation with the skill, as a state machine without a terminal: it turns utterances into
 * requests (new session, carried session attributes, a slot filled after Dialog.ElicitSlot, a yes/no after
 * Dialog.ConfirmIntent), sends them, and reads the response (speech, card, directives, whether the session ends).
 */
import type { dialog, DialogState, Intent, RequestEnvelope, Response, ResponseEnvelope, SessionEndedReason, ui } from 'ask-sdk-model';
import {
  intentRequest,
  launchRequest,
  newSession,
  sessionEndedRequest,
  type AlexaIdentity,
  type EnvelopeInput,
  type SessionState,
} from './envelopes.js';
import type { Locale } from './interaction-model.js';
import type { Nlu } from './nlu.js';
import { speechText } from './speech.js';
import type { SendToSkill } from './skill-client.js';

export interface TurnCard {
  type: string;
  title?: string;
  content?: string;
}

/** What one exchange produced, in the form a person (or a test) reads it. Never holds a token. */
export interface Turn {
  requestType: string;
  /** The intent as sent, for IntentRequests. */
  intent?: Intent;
  speech?: string;
  reprompt?: string;
  card?: TurnCard;
  directives: Array<{ type: string; [key: string]: unknown }>;
  /** The skill asked the user to link the account (a LinkAccount card). */
  linkRequested: boolean;
  /** The session is over after this turn. */
  ended: boolean;
  sessionAttributes: Record<string, unknown>;
}

/** A dialog directive waiting for the user's next utterance. */
type PendingDialog =
  | { kind: 'elicitSlot'; intent: Intent; slotName: string }
  | { kind: 'confirmIntent'; intent: Intent }
  | { kind: 'confirmSlot'; intent: Intent; slotName: string };

export interface DialogSessionOptions {
  nlu: Nlu;
  send: SendToSkill;
  identity: AlexaIdentity;
  locale: Locale;
  /** The linked account's access token for the next request (refreshed if needed), or undefined when unlinked. */
  accessToken: () => Promise<string | undefined>;
  now?: () => Date;
}

export class DialogSession {
  private session: SessionState | undefined;
  private pending: PendingDialog | undefined;
  private readonly now: () => Date;

  constructor(private readonly options: DialogSessionOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get isOpen(): boolean {
    return this.session !== undefined;
  }

  /** What the user said, as Alexa would pass it on. */
  async say(utterance: string): Promise<Turn> {
    const answer = this.pending && this.answerToPending(this.pending, utterance);
    if (answer) return this.sendIntent(answer, 'IN_PROGRESS');

    const understood = this.options.nlu.understand(utterance);
    if (understood.kind === 'launch') return this.launch();
    return this.sendIntent(understood.intent, 'STARTED');
  }

  async launch(): Promise<Turn> {
    this.pending = undefined;
    const session = this.openSession();
    return this.exchange(launchRequest(await this.envelopeInput(), session));
  }

  /** Sends an intent as given (for scripted tests that bypass understanding). */
  async sendIntent(intent: Intent, dialogState: DialogState = 'STARTED'): Promise<Turn> {
    this.pending = undefined;
    const session = this.openSession();
    return this.exchange(intentRequest(await this.envelopeInput(), session, intent, dialogState));
  }

  /** Ends an open session (the user walked away or quit) with a SessionEndedRequest; nothing if none is open. */
  async end(reason: SessionEndedReason = 'USER_INITIATED'): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    this.pending = undefined;
    await this.options.send(sessionEndedRequest(await this.envelopeInput(), { ...session, new: false }, reason));
  }

  /**
   * Alexa lets stop/cancel/help interrupt a dialog; otherwise an elicited slot takes the answer as its value and
   * a confirmation takes yes/no. Anything else after a confirmation is understood afresh (undefined here).
   */
  private answerToPending(pending: PendingDialog, utterance: string): Intent | undefined {
    const { nlu } = this.options;
    if (nlu.builtIn(utterance)) return undefined;
    const intent = structuredClone(pending.intent);
    intent.slots ??= {};
    switch (pending.kind) {
      case 'elicitSlot':
        intent.slots[pending.slotName] = nlu.slotAnswer(intent.name, pending.slotName, utterance);
        return intent;
      case 'confirmIntent': {
        const answer = nlu.yesNo(utterance);
        if (!answer) return undefined;
        intent.confirmationStatus = answer === 'yes' ? 'CONFIRMED' : 'DENIED';
        return intent;
      }
      case 'confirmSlot': {
        const answer = nlu.yesNo(utterance);
        const slot = intent.slots[pending.slotName];
        if (!answer || !slot) return undefined;
        slot.confirmationStatus = answer === 'yes' ? 'CONFIRMED' : 'DENIED';
        return intent;
      }
    }
  }

  private openSession(): SessionState {
    this.session ??= newSession();
    return this.session;
  }

  private async envelopeInput(): Promise<EnvelopeInput> {
    return { identity: this.options.identity, locale: this.options.locale, accessToken: await this.options.accessToken(), now: this.now() };
  }

  private async exchange(request: RequestEnvelope): Promise<Turn> {
    let reply: ResponseEnvelope;
    try {
      reply = await this.options.send(request);
    } catch (error) {
      // Alexa gives up on the session when the skill fails to answer.
      this.session = undefined;
      this.pending = undefined;
      throw error;
    }
    const response: Response = reply.response ?? {};
    const directives = (response.directives ?? []) as Turn['directives'];
    const sentIntent = request.request.type === 'IntentRequest' ? request.request.intent : undefined;
    this.pending = pendingFrom(directives, sentIntent);

    const ended = sessionEnds(response, this.pending !== undefined);
    const sessionAttributes = (reply.sessionAttributes ?? {}) as Record<string, unknown>;
    if (ended) {
      this.session = undefined;
      this.pending = undefined;
    } else if (this.session) {
      // Alexa hands back exactly what the last response set; nothing is merged.
      this.session = { ...this.session, new: false, attributes: sessionAttributes };
    }

    const turn: Turn = { requestType: request.request.type, directives, linkRequested: false, ended, sessionAttributes };
    if (sentIntent) turn.intent = sentIntent;
    const speech = speechText(response.outputSpeech);
    if (speech !== undefined) turn.speech = speech;
    const reprompt = speechText(response.reprompt?.outputSpeech);
    if (reprompt !== undefined) turn.reprompt = reprompt;
    if (response.card) {
      turn.card = cardOf(response.card);
      turn.linkRequested = response.card.type === 'LinkAccount';
    }
    return turn;
  }
}

/**
 * true ends the session; false keeps it open; left out, a voice-only device ends it unless the skill is
 * in a dialog (a Dialog directive) or waits for an answer (a reprompt).
 */
function sessionEnds(response: Response, inDialog: boolean): boolean {
  if (response.shouldEndSession === true) return true;
  if (response.shouldEndSession === false) return false;
  return !inDialog && response.reprompt === undefined;
}

function pendingFrom(directives: Turn['directives'], sentIntent: Intent | undefined): PendingDialog | undefined {
  for (const directive of directives) {
    switch (directive.type) {
      case 'Dialog.ElicitSlot': {
        const elicit = directive as unknown as dialog.ElicitSlotDirective;
        const intent = elicit.updatedIntent ?? sentIntent;
        if (intent) return { kind: 'elicitSlot', intent, slotName: elicit.slotToElicit };
        break;
      }
      case 'Dialog.ConfirmIntent': {
        const intent = (directive as unknown as dialog.ConfirmIntentDirective).updatedIntent ?? sentIntent;
        if (intent) return { kind: 'confirmIntent', intent };
        break;
      }
      case 'Dialog.ConfirmSlot': {
        const confirm = directive as unknown as dialog.ConfirmSlotDirective;
        const intent = confirm.updatedIntent ?? sentIntent;
        if (intent) return { kind: 'confirmSlot', intent, slotName: confirm.slotToConfirm };
        break;
      }
    }
  }
  return undefined;
}

function cardOf(card: ui.Card): TurnCard {
  const turnCard: TurnCard = { type: card.type };
  if ('title' in card && typeof card.title === 'string') turnCard.title = card.title;
  if (card.type === 'Simple' && card.content !== undefined) turnCard.content = card.content;
  if (card.type === 'Standard' && card.text !== undefined) turnCard.content = card.text;
  return turnCard;
}
