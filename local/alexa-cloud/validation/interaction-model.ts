/**
 * Interaction models, checked as a model build would: the schema (../schemas/interaction-model.schema.json), then
 * the invocation-name rules and the references a schema cannot follow — slot types that exist, slots that samples
 * name, dialog intents/slots that the language model has, prompt IDs that are defined, and the built-in intents every
 * custom skill must have. Messages name the locale, intent and slot, as the developer console does.
 */
import type { SmapiIssue } from '../state/store.js';
import { checkSchema } from './schema-check.js';

/** Amazon's invocation-name requirements (custom skills): words that may not appear, and launch phrases. */
const WAKE_WORDS = ['alexa', 'amazon', 'echo', 'computer'];
const LAUNCH_WORDS = ['ask', 'begin', 'can you', 'enable', 'launch', 'load', 'open', 'play', 'resume', 'run', 'start', 'talk to', 'tell', 'use'];
const CONNECTING_WORDS = ['to', 'from', 'in', 'using', 'with', 'about', 'for', 'that', 'by', 'if', 'and', 'whether'];
const REQUIRED_INTENTS = ['AMAZON.CancelIntent', 'AMAZON.HelpIntent', 'AMAZON.StopIntent'];

interface Slot { name?: unknown; type?: unknown }
interface Intent { name?: unknown; samples?: unknown; slots?: unknown }
interface DialogSlot { name?: unknown; type?: unknown; prompts?: unknown }
interface DialogIntent { name?: unknown; slots?: unknown; prompts?: unknown }

const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);

export function validateInteractionModel(document: unknown, locale: string): SmapiIssue[] {
  const issues = checkSchema('interaction-model', document).map((issue) => ({ ...issue, message: `${locale}: ${issue.message}` }));
  const model = (document as { interactionModel?: { languageModel?: unknown; dialog?: unknown; prompts?: unknown } } | null)?.interactionModel;
  const language = model?.languageModel as { invocationName?: unknown; intents?: unknown; types?: unknown } | undefined;
  if (!language || typeof language !== 'object') return issues;
  const problem = (code: string, message: string) => issues.push({ code, message: `${locale}: ${message}` });

  if (typeof language.invocationName === 'string') {
    for (const message of invocationNameProblems(language.invocationName, locale)) problem('INVALID_INVOCATION_NAME', message);
  }

  const customTypes = new Set<string>();
  for (const type of list<{ name?: unknown }>(language.types)) {
    if (typeof type?.name !== 'string') continue;
    if (customTypes.has(type.name)) problem('DUPLICATE_SLOT_TYPE', `Slot type "${type.name}" is defined more than once.`);
    if (type.name.startsWith('AMAZON.')) problem('INVALID_SLOT_TYPE', `Custom slot type "${type.name}" must not use the reserved "AMAZON." prefix.`);
    customTypes.add(type.name);
  }

  const intents = new Map<string, Map<string, string>>(); // intent → slot → type
  const sampleOwners = new Map<string, string>();
  for (const [index, intent] of list<Intent>(language.intents).entries()) {
    if (typeof intent?.name !== 'string') continue;
    const where = `intent "${intent.name}"`;
    if (intents.has(intent.name)) problem('DUPLICATE_INTENT', `Intent "${intent.name}" is defined more than once ($.interactionModel.languageModel.intents[${index}]).`);
    const slots = new Map<string, string>();
    for (const slot of list<Slot>(intent.slots)) {
      if (typeof slot?.name !== 'string' || typeof slot.type !== 'string') continue;
      if (slots.has(slot.name)) problem('DUPLICATE_SLOT', `Slot "${slot.name}" is defined more than once in ${where}.`);
      slots.set(slot.name, slot.type);
      if (!slot.type.startsWith('AMAZON.') && !customTypes.has(slot.type)) {
        problem('UNDEFINED_SLOT_TYPE', `Slot "${slot.name}" in ${where} has type "${slot.type}", which is neither a built-in AMAZON.* type nor defined in "types".`);
      }
    }
    intents.set(intent.name, slots);
    for (const sample of list<unknown>(intent.samples)) {
      if (typeof sample !== 'string') continue;
      for (const match of sample.matchAll(/\{([^}]*)\}/g)) {
        if (!slots.has(match[1]!)) problem('UNDEFINED_SLOT', `Sample utterance "${sample}" in ${where} refers to slot "${match[1]}", which the intent does not define.`);
      }
      const key = sample.trim().toLowerCase().replace(/\s+/g, ' ');
      const owner = sampleOwners.get(key);
      if (owner !== undefined && owner !== intent.name) problem('CONFLICTING_SAMPLE', `Sample utterance "${sample}" in ${where} is also a sample of intent "${owner}".`);
      else sampleOwners.set(key, intent.name);
    }
  }
  for (const required of REQUIRED_INTENTS) {
    if (intents.size > 0 && !intents.has(required)) problem('MISSING_REQUIRED_INTENT', `Intent "${required}" is required in every custom interaction model.`);
  }

  const promptIds = new Set<string>();
  for (const prompt of list<{ id?: unknown }>(model?.prompts)) {
    if (typeof prompt?.id !== 'string') continue;
    if (promptIds.has(prompt.id)) problem('DUPLICATE_PROMPT', `Prompt "${prompt.id}" is defined more than once.`);
    promptIds.add(prompt.id);
  }
  const checkPrompts = (prompts: unknown, where: string) => {
    for (const [kind, id] of Object.entries((prompts && typeof prompts === 'object' ? prompts : {}) as Record<string, unknown>)) {
      if (typeof id === 'string' && !promptIds.has(id)) problem('UNDEFINED_PROMPT', `The ${kind} prompt "${id}" of ${where} is not defined in "prompts".`);
    }
  };
  const dialog = model?.dialog as { intents?: unknown } | undefined;
  for (const dialogIntent of list<DialogIntent>(dialog?.intents)) {
    if (typeof dialogIntent?.name !== 'string') continue;
    const where = `dialog intent "${dialogIntent.name}"`;
    const slots = intents.get(dialogIntent.name);
    if (!slots) {
      problem('UNDEFINED_INTENT', `Dialog model refers to intent "${dialogIntent.name}", which the language model does not define.`);
      continue;
    }
    checkPrompts(dialogIntent.prompts, where);
    for (const slot of list<DialogSlot>(dialogIntent.slots)) {
      if (typeof slot?.name !== 'string') continue;
      const type = slots.get(slot.name);
      if (type === undefined) problem('UNDEFINED_SLOT', `Slot "${slot.name}" of ${where} is not a slot of intent "${dialogIntent.name}" in the language model.`);
      else if (typeof slot.type === 'string' && slot.type !== type) problem('SLOT_TYPE_MISMATCH', `Slot "${slot.name}" of ${where} has type "${slot.type}", but the language model says "${type}".`);
      checkPrompts(slot.prompts, `slot "${slot.name}" of ${where}`);
    }
  }
  return issues;
}

export function invocationNameProblems(name: string, locale: string): string[] {
  const problems: string[] = [];
  const at = `Invocation name "${name}"`;
  // Lower-case letters of the locale's alphabet, spaces, apostrophes (possessives) and periods (abbreviations).
  if (!/^[\p{Ll}][\p{Ll} .']*$/u.test(name) || /\s{2,}/.test(name) || name !== name.trim()) {
    problems.push(`${at} may only contain lower-case letters, single spaces between words, apostrophes for possessives and periods in abbreviations (e.g. "a. b. c.").`);
  }
  if (/\b[a-z]{2,}\./.test(name)) problems.push(`${at}: periods are only allowed after single letters of an abbreviation.`);
  const words = name.toLowerCase().split(/\s+/).filter(Boolean);
  const lead = words.slice(0, 2).join(' ');
  for (const wake of WAKE_WORDS) if (words.includes(wake)) problems.push(`${at} must not contain the wake word "${wake}".`);
  for (const launch of LAUNCH_WORDS) {
    if (words[0] === launch || lead === launch) problems.push(`${at} must not begin with the launch phrase "${launch}".`);
  }
  const first = words[0];
  const last = words.at(-1);
  if (locale.startsWith('en') && first !== undefined && CONNECTING_WORDS.includes(first)) problems.push(`${at} must not begin with the connecting word "${first}".`);
  if (locale.startsWith('en') && last !== undefined && words.length > 1 && CONNECTING_WORDS.includes(last)) problems.push(`${at} must not end with the connecting word "${last}".`);
  return problems;
}
