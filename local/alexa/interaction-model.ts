/**
 * The parts of skill-package/interactionModels/custom/<locale>.json the simulator reads, and a loader.
 * Only what Alexa itself uses to understand an utterance and run a dialog is typed here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SUPPORTED_LOCALES = ['en-US', 'en-GB', 'de-DE'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

export function isSupportedLocale(value: string): value is Locale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

export interface ModelSlot {
  name: string;
  type: string;
  /** Utterances the user may answer with when the skill elicits this slot. */
  samples?: string[];
}

export interface ModelIntent {
  name: string;
  samples?: string[];
  slots?: ModelSlot[];
}

export interface SlotTypeValue {
  id?: string;
  name: { value: string; synonyms?: string[] };
}

export interface SlotType {
  name: string;
  values: SlotTypeValue[];
}

export interface DialogIntent {
  name: string;
  confirmationRequired?: boolean;
  slots?: Array<{ name: string; type: string; elicitationRequired?: boolean; confirmationRequired?: boolean }>;
}

export interface InteractionModel {
  interactionModel: {
    languageModel: {
      invocationName: string;
      intents: ModelIntent[];
      types?: SlotType[];
    };
    dialog?: { delegationStrategy?: string; intents?: DialogIntent[] };
  };
}

export class InteractionModelError extends Error {
  override name = 'InteractionModelError';
}

export async function loadInteractionModel(skillPackageDir: string, locale: Locale): Promise<InteractionModel> {
  const file = join(skillPackageDir, 'interactionModels', 'custom', `${locale}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InteractionModelError(`cannot read the ${locale} interaction model at ${file}: ${(error as Error).message}`);
  }
  const model = parsed as Partial<InteractionModel>;
  const language = model.interactionModel?.languageModel;
  if (!language || typeof language.invocationName !== 'string' || !Array.isArray(language.intents)) {
    throw new InteractionModelError(`${file} has no interactionModel.languageModel with an invocationName and intents`);
  }
  return model as InteractionModel;
}
