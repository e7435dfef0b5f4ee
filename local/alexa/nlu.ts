/**
 * Utterance → intent + slots, the way Alexa would understand it from the interaction model alone.
 *
 * Each sample utterance becomes a regular expression (case- and punctuation-insensitive, `{slot}` → a capture
 * group); when several match, the most specific wins: the one whose slots swallowed the fewest characters.
 * Custom slot values resolve to their canonical value like Alexa's entity resolution.
 *
 * Alexa's models generalise beyond the samples; this emulates the cheap part of that, so a tester's natural phrasing
 * is not a Fallback just because no sample has it word for word:
 *   - fillers are ignored ("please", "can you", "um"; "bitte", "mal"),
 *   - articles and possessives are interchangeable and optional ("order ride", "order my car"; "bestelle Taxi"),
 *   - the vehicle words are one class (ride, car, cab, taxi; Fahrt, Auto, Taxi, Wagen),
 *   - "to" before a slot may be left out ("book a cab home"),
 *   - any words fill a slot (an unknown destination is passed on as spoken, ER_SUCCESS_NO_MATCH).
 * It does not learn from the samples (synonyms of verbs, another word order, misspellings stay Fallback).
 */
import { createHash } from 'node:crypto';
import type { Intent, Slot, slu } from 'ask-sdk-model';
import type { InteractionModel, Locale, ModelIntent, SlotType } from './interaction-model.js';

export type Understanding =
  /** "open ride hailer", or the invocation name on its own. */
  | { kind: 'launch' }
  | { kind: 'intent'; intent: Intent };

export const FALLBACK_INTENT = 'AMAZON.FallbackIntent';

/** Phrases Alexa understands for its built-in intents without any sample in the model. */
const BUILT_IN_PHRASES: Record<'en' | 'de', Record<string, string[]>> = {
  en: {
    'AMAZON.StopIntent': ['stop', 'stop it', 'exit', 'quit', 'off', 'shut up', 'be quiet', 'goodbye'],
    'AMAZON.CancelIntent': ['cancel', 'cancel that', 'never mind', 'nevermind', 'forget it'],
    'AMAZON.HelpIntent': ['help', 'help me', 'what can I say', 'what can I do', 'how does this work'],
    'AMAZON.NavigateHomeIntent': ['go home', 'go to the home screen', 'home screen'],
  },
  de: {
    'AMAZON.StopIntent': ['stop', 'stopp', 'halt', 'beenden', 'ende', 'aufhören', 'sei still'],
    'AMAZON.CancelIntent': ['abbrechen', 'abbruch', 'vergiss es', 'egal'],
    'AMAZON.HelpIntent': ['hilfe', 'hilf mir', 'was kann ich sagen', 'was kann ich tun'],
    'AMAZON.NavigateHomeIntent': ['geh nach hause', 'gehe nach hause', 'zur startseite', 'startseite'],
  },
};

const YES_NO: Record<'en' | 'de', { yes: string[]; no: string[] }> = {
  en: { yes: ['yes', 'yeah', 'yep', 'sure', 'correct', 'of course', 'yes please'], no: ['no', 'nope', 'no thanks', 'not really'] },
  de: { yes: ['ja', 'jawohl', 'genau', 'klar', 'ja bitte', 'richtig'], no: ['nein', 'nee', 'nö', 'nein danke'] },
};

/** `open <invocation>` and friends; `{request}` is the rest of a one-shot ("ask ride hailer to order a ride"). */
const INVOCATIONS: Record<'en' | 'de', { launch: string[]; oneShot: string[] }> = {
  en: {
    launch: ['open {inv}', 'launch {inv}', 'start {inv}', 'begin {inv}', 'run {inv}', 'talk to {inv}', '{inv}'],
    oneShot: ['ask {inv} to {request}', 'ask {inv} for {request}', 'ask {inv} {request}', 'tell {inv} to {request}', 'tell {inv} {request}', 'use {inv} to {request}', '{request} using {inv}'],
  },
  de: {
    launch: ['öffne {inv}', 'öffnen {inv}', 'starte {inv}', 'start {inv}', '{inv}'],
    oneShot: ['frage {inv} {request}', 'frag {inv} {request}', 'sage {inv} {request}', 'sag {inv} {request}', 'bitte {inv} {request}', '{request} mit {inv}'],
  },
};

/** Word classes: each word in a sample matches any word of its class in the utterance. */
const TOLERANCE: Record<'en' | 'de', { articles: string[]; vehicles: string[]; fillers: string[]; dative: string; optionalBeforeSlot: string[] }> = {
  en: {
    articles: ['a', 'an', 'the', 'my', 'some'],
    vehicles: ['ride', 'car', 'cab', 'taxi', 'taxicab'],
    fillers: ['please', 'um', 'uh', 'hey', 'just', 'now', 'can you', 'could you', 'would you', 'will you', 'i want you to', 'i would like to', 'id like to', 'i want to', 'for me', 'kindly'],
    dative: 'me',
    optionalBeforeSlot: ['to'],
  },
  de: {
    articles: ['ein', 'eine', 'einen', 'der', 'die', 'das', 'den', 'mein', 'meine', 'meinen'],
    vehicles: ['fahrt', 'auto', 'taxi', 'wagen'],
    fillers: ['bitte', 'mal', 'doch', 'äh', 'ähm', 'jetzt', 'kannst du', 'könntest du', 'würdest du', 'ich möchte', 'ich will', 'für mich'],
    dative: 'mir',
    optionalBeforeSlot: [],
  },
};

export interface Nlu {
  readonly locale: Locale;
  /** Understands a fresh utterance: launch, one-shot invocation, a sample, a built-in, or the fallback. */
  understand(utterance: string): Understanding;
  /** Only the built-in intents Alexa honours in the middle of a dialog (stop, cancel, help, go home). */
  builtIn(utterance: string): Intent | undefined;
  /** After an ElicitSlot directive: the user's answer as that slot (the slot's samples, else the raw text). */
  slotAnswer(intentName: string, slotName: string, utterance: string): Slot;
  /** After a ConfirmIntent/ConfirmSlot directive. */
  yesNo(utterance: string): 'yes' | 'no' | undefined;
  /** Every slot of the intent, unfilled, as Alexa sends them. */
  emptySlots(intentName: string): Record<string, Slot>;
}

interface CompiledSample {
  intentName: string;
  regex: RegExp;
  slotNames: string[];
  /** Per slot, the word right before it in the sample ("nach" in "eine Fahrt nach {destination}"), if any. */
  wordsBefore: Array<string | undefined>;
  literalLength: number;
}

export function createNlu(model: InteractionModel, options: { locale: Locale; skillId: string }): Nlu {
  const language = options.locale.startsWith('de') ? 'de' : 'en';
  const tolerance = TOLERANCE[language];
  const compile = (intentName: string, sample: string) => compileSample(intentName, sample, tolerance);
  const withoutFillers = (text: string) => removeFillers(text, tolerance.fillers);
  /** The utterance as said, without fillers, and without "me"/"mir" too ("order me a cab" = "order a cab"). */
  const matchTolerantly = (samples: CompiledSample[], text: string) =>
    bestMatch(samples, text) ?? bestMatch(samples, withoutFillers(text)) ?? bestMatch(samples, removeFillers(withoutFillers(text), [tolerance.dative]));
  const languageModel = model.interactionModel.languageModel;
  const intents = new Map(languageModel.intents.map((intent) => [intent.name, intent]));
  const slotTypes = new Map((languageModel.types ?? []).map((type) => [type.name, type]));

  const builtInSamples = Object.entries(BUILT_IN_PHRASES[language])
    .filter(([name]) => intents.has(name))
    .flatMap(([name, phrases]) => phrases.map((phrase) => compile(name, phrase)));
  const intentSamples = languageModel.intents.flatMap((intent) => (intent.samples ?? []).map((sample) => compile(intent.name, sample)));
  const allSamples = [...intentSamples, ...builtInSamples];

  const invocation = languageModel.invocationName;
  const launchPatterns = INVOCATIONS[language].launch.map((p) => compile('launch', p.replace('{inv}', invocation)));
  const oneShotPatterns = INVOCATIONS[language].oneShot.map((p) => compile('oneShot', p.replace('{inv}', invocation)));

  const emptySlots = (intentName: string): Record<string, Slot> =>
    Object.fromEntries((intents.get(intentName)?.slots ?? []).map((slot) => [slot.name, { name: slot.name, confirmationStatus: 'NONE' } satisfies Slot]));

  const intentFrom = (match: SampleMatch): Intent => {
    const modelIntent = intents.get(match.sample.intentName);
    const slots = emptySlots(match.sample.intentName);
    match.sample.slotNames.forEach((slotName, index) => {
      slots[slotName] = filledSlot(slotName, match.captures[index] ?? '', slotTypeOf(modelIntent, slotName), match.sample.wordsBefore[index]);
    });
    return { name: match.sample.intentName, confirmationStatus: 'NONE', slots };
  };

  const slotTypeOf = (intent: ModelIntent | undefined, slotName: string): SlotType | undefined => {
    const typeName = intent?.slots?.find((slot) => slot.name === slotName)?.type;
    return typeName === undefined ? undefined : slotTypes.get(typeName);
  };

  const filledSlot = (name: string, spoken: string, type: SlotType | undefined, wordBefore?: string): Slot => {
    let value = spoken;
    let resolutions = type ? resolve(value, type, options.skillId) : undefined;
    // A synonym may include the sample's preposition ("nach Hause" after "eine Fahrt nach"): Alexa hears it whole.
    if (type && wordBefore && !resolved(resolutions)) {
      const wider = resolve(`${wordBefore} ${spoken}`, type, options.skillId);
      if (resolved(wider)) [value, resolutions] = [`${wordBefore} ${spoken}`, wider];
    }
    const slot: Slot = { name, value, confirmationStatus: 'NONE' };
    if (resolutions) slot.resolutions = resolutions;
    slot.slotValue = resolutions ? { type: 'Simple', value, resolutions } : { type: 'Simple', value };
    return slot;
  };

  const understandRequest = (text: string): Understanding => {
    const match = matchTolerantly(allSamples, text);
    if (match) return { kind: 'intent', intent: intentFrom(match) };
    return { kind: 'intent', intent: { name: FALLBACK_INTENT, confirmationStatus: 'NONE', slots: {} } };
  };

  return {
    locale: options.locale,
    understand(utterance) {
      const text = withoutWakeWord(normalize(utterance));
      if (text === '' || bestMatch(launchPatterns, text)) return { kind: 'launch' };
      const oneShot = bestMatch(oneShotPatterns, text);
      if (oneShot?.captures[0]) return understandRequest(oneShot.captures[0]);
      return understandRequest(text);
    },
    builtIn(utterance) {
      const text = withoutWakeWord(normalize(utterance));
      const match = matchTolerantly(builtInSamples, text);
      return match ? intentFrom(match) : undefined;
    },
    slotAnswer(intentName, slotName, utterance) {
      const modelIntent = intents.get(intentName);
      const samples = (modelIntent?.slots?.find((slot) => slot.name === slotName)?.samples ?? []).map((sample) =>
        compile(intentName, sample),
      );
      const text = normalize(utterance);
      const match = bestMatch(samples, text);
      const index = match?.sample.slotNames.indexOf(slotName) ?? -1;
      const value = match && index >= 0 ? (match.captures[index] ?? text) : text;
      return filledSlot(slotName, value, slotTypeOf(modelIntent, slotName), match?.sample.wordsBefore[index]);
    },
    yesNo(utterance) {
      const text = normalize(utterance).toLowerCase();
      if (YES_NO[language].yes.includes(text)) return 'yes';
      if (YES_NO[language].no.includes(text)) return 'no';
      return undefined;
    },
    emptySlots,
  };
}

/**
 * Entity resolution for a custom slot type: ER_SUCCESS_MATCH with the canonical value and its id when the words
 * are a value or one of its synonyms, ER_SUCCESS_NO_MATCH (and, as Alexa sends it, no values) otherwise.
 */
export function resolve(spoken: string, type: SlotType, skillId: string): slu.entityresolution.Resolutions {
  const wanted = comparable(spoken);
  const hit = type.values.find((value) => [value.name.value, ...(value.name.synonyms ?? [])].some((word) => comparable(word) === wanted));
  const authority = `amzn1.er-authority.echo-sdk.${skillId}.${type.name}`;
  if (!hit) {
    // Alexa omits `values` on a miss; the SDK's type says otherwise, so the cast keeps the wire format honest.
    return { resolutionsPerAuthority: [{ authority, status: { code: 'ER_SUCCESS_NO_MATCH' } } as slu.entityresolution.Resolution] };
  }
  return {
    resolutionsPerAuthority: [
      {
        authority,
        status: { code: 'ER_SUCCESS_MATCH' },
        values: [{ value: { name: hit.name.value, id: hit.id ?? generatedId(hit.name.value) } }],
      },
    ],
  };
}

function resolved(resolutions: slu.entityresolution.Resolutions | undefined): boolean {
  return resolutions?.resolutionsPerAuthority?.[0]?.status.code === 'ER_SUCCESS_MATCH';
}

/** Alexa gives values without an id in the model a stable generated id (a hash of the value). */
function generatedId(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

interface SampleMatch {
  sample: CompiledSample;
  captures: string[];
  wildcardChars: number;
}

function bestMatch(samples: CompiledSample[], text: string): SampleMatch | undefined {
  let best: SampleMatch | undefined;
  for (const sample of samples) {
    const result = sample.regex.exec(text);
    if (!result) continue;
    const captures = result.slice(1).map((capture) => capture ?? '');
    const wildcardChars = captures.reduce((sum, capture) => sum + capture.length, 0);
    const better =
      !best ||
      wildcardChars < best.wildcardChars ||
      (wildcardChars === best.wildcardChars && sample.literalLength > best.sample.literalLength);
    if (better) best = { sample, captures, wildcardChars };
  }
  return best;
}

/**
 * `order a ride to {destination}` → /^order (?:(?:a|an|the|my|some) )?(?:ride|car|cab|taxi|taxicab) (?:to )?(.+?)$/iu,
 * after the same normalisation as utterances.
 */
function compileSample(intentName: string, sample: string, tolerance: (typeof TOLERANCE)['en']): CompiledSample {
  const slotNames: string[] = [];
  const wordsBefore: Array<string | undefined> = [];
  let literalLength = 0;
  let previousLiteral = '';
  const source = normalize(sample, { keepBraces: true })
    .split(/(\{\w+\})/u)
    .map((part) => {
      const slot = /^\{(\w+)\}$/u.exec(part);
      if (slot?.[1]) {
        slotNames.push(slot[1]);
        wordsBefore.push(/(\S+)\s$/u.exec(previousLiteral)?.[1]);
        return '(.+?)';
      }
      previousLiteral = part;
      literalLength += part.length;
      return tolerantLiteral(part, tolerance);
    })
    .join('');
  return { intentName, regex: new RegExp(`^${source}$`, 'iu'), slotNames, wordsBefore, literalLength };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/**
 * A literal stretch of a sample as a pattern: articles optional and interchangeable, vehicle words one class, and an
 * optional word ("to") right before the slot that follows may be left out. Spaces stay where the sample has them.
 */
function tolerantLiteral(part: string, tolerance: (typeof TOLERANCE)['en']): string {
  const words = part.split(' ');
  const endsBeforeSlot = part.endsWith(' ');
  const articles = `(?:${tolerance.articles.map(escapeRegex).join('|')})`;
  const vehicles = `(?:${tolerance.vehicles.map(escapeRegex).join('|')})`;
  let pattern = '';
  words.forEach((word, index) => {
    const lower = word.toLocaleLowerCase();
    const last = index === words.length - 1;
    const separator = last ? '' : ' ';
    const followedByWord = words.slice(index + 1).some((next) => next !== '') || endsBeforeSlot;
    if (word === '') {
      pattern += separator;
    } else if (tolerance.articles.includes(lower) && followedByWord) {
      pattern += `(?:${articles} )?`;
    } else if (tolerance.optionalBeforeSlot.includes(lower) && index === words.length - 2 && endsBeforeSlot) {
      pattern += `(?:${escapeRegex(word)} )?`;
    } else {
      pattern += (tolerance.vehicles.includes(lower) ? vehicles : escapeRegex(word)) + separator;
    }
  });
  return pattern;
}

/** Drops filler words and phrases anywhere in the utterance ("could you please order a ride" → "order a ride"). */
function removeFillers(text: string, fillers: string[]): string {
  const pattern = new RegExp(`(?:^|\\s)(?:${fillers.map(escapeRegex).join('|')})(?=\\s|$)`, 'giu');
  let previous: string;
  let current = text;
  do {
    previous = current;
    current = current.replace(pattern, ' ').replace(/\s+/gu, ' ').trim();
  } while (current !== previous);
  return current;
}

/**
 * Punctuation-insensitive text: apostrophes vanish ("don't" = "dont"), other punctuation becomes a space,
 * whitespace collapses. Case is kept (slot values are reported as spoken); matching itself ignores case.
 */
export function normalize(text: string, options: { keepBraces?: boolean } = {}): string {
  const punctuation = options.keepBraces ? /[^\p{L}\p{N}\s{}]/gu : /[^\p{L}\p{N}\s]/gu;
  return text
    .normalize('NFC')
    .replace(/['’`]/gu, '')
    .replace(punctuation, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

function comparable(text: string): string {
  return normalize(text).toLocaleLowerCase();
}

function withoutWakeWord(text: string): string {
  return text.replace(/^alexa\b\s*/iu, '');
}
