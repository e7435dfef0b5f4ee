/**
 * The interaction-model checks a model build makes beyond the schema, as the ASK CLI shows them for a refused
 * import: each issue carries its code and a message that starts with the locale and names the intent, slot, type
 * or prompt that is wrong.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { validateInteractionModel } from '../../local/alexa-cloud/validation/interaction-model.js';

const PACKAGE = new URL('../../skill-package/', import.meta.url);
const read = (locale: string) => JSON.parse(readFileSync(new URL(`interactionModels/custom/${locale}.json`, PACKAGE), 'utf8'));

/** The project's model for `locale` with `change` applied to its `interactionModel`. */
function model(change: (model: any) => void, locale = 'en-US'): unknown {
  const document = read(locale);
  change(document.interactionModel);
  return document;
}

const intentNamed = (m: any, name: string) => m.languageModel.intents.find((intent: any) => intent.name === name);

describe('local Alexa cloud: interaction-model checks', () => {
  it('accepts the project\'s models', () => {
    for (const locale of ['en-US', 'en-GB', 'de-DE']) expect(validateInteractionModel(read(locale), locale), locale).to.deep.equal([]);
  });

  it('prefixes schema issues with the locale, and stops there when the language model is missing or not an object', () => {
    expect(validateInteractionModel(model((m) => (m.languageModel.invocationName = 'r')), 'en-GB')).to.deep.equal([
      { code: 'INVALID_STRING_LENGTH', message: 'en-GB: String instance with value "r" at property path "$.interactionModel.languageModel.invocationName" has 1 characters; it must have at least 2.' },
    ]);
    expect(validateInteractionModel(null, 'en-US')).to.deep.equal([{ code: 'INVALID_DATA_TYPE', message: 'en-US: Instance at property path "$" has type null, but must be object.' }]);
    expect(validateInteractionModel({ interactionModel: {} }, 'en-US')).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'en-US: Object instance at property path "$.interactionModel" has missing required property: "languageModel".' },
    ]);
    expect(validateInteractionModel({ interactionModel: { languageModel: 'ride hailer' } }, 'en-US')).to.deep.equal([
      { code: 'INVALID_DATA_TYPE', message: 'en-US: Instance at property path "$.interactionModel.languageModel" has type string, but must be object.' },
    ]);
  });

  it('reports each invocation-name problem as INVALID_INVOCATION_NAME', () => {
    expect(validateInteractionModel(model((m) => (m.languageModel.invocationName = 'open alexa')), 'en-US')).to.deep.equal([
      { code: 'INVALID_INVOCATION_NAME', message: 'en-US: Invocation name "open alexa" must not contain the wake word "alexa".' },
      { code: 'INVALID_INVOCATION_NAME', message: 'en-US: Invocation name "open alexa" must not begin with the launch phrase "open".' },
    ]);
  });

  it('refuses a custom slot type defined twice or named with the reserved AMAZON. prefix', () => {
    const document = model((m) => {
      m.languageModel.types.push({ name: 'Destination', values: [] }, { name: 'AMAZON_Thing', values: [] });
      m.languageModel.types.push({ name: 'AMAZON.City', values: [] });
    });
    // The schema refuses the dot in "AMAZON.City" too; the model check says why it matters.
    expect(validateInteractionModel(document, 'en-US').filter((issue) => issue.code !== 'STRING_PATTERN_MISMATCH')).to.deep.equal([
      { code: 'DUPLICATE_SLOT_TYPE', message: 'en-US: Slot type "Destination" is defined more than once.' },
      { code: 'INVALID_SLOT_TYPE', message: 'en-US: Custom slot type "AMAZON.City" must not use the reserved "AMAZON." prefix.' },
    ]);
  });

  it('refuses an intent or a slot defined twice, and a slot of a type nobody defines', () => {
    const document = model((m) => {
      m.languageModel.intents.push({ name: 'RideStatusIntent', samples: [] });
      intentNamed(m, 'OrderRideIntent').slots.push({ name: 'destination', type: 'Destination' }, { name: 'when', type: 'Time' }, { name: 'day', type: 'AMAZON.DATE' });
    });
    expect(validateInteractionModel(document, 'en-US')).to.deep.equal([
      { code: 'DUPLICATE_SLOT', message: 'en-US: Slot "destination" is defined more than once in intent "OrderRideIntent".' },
      {
        code: 'UNDEFINED_SLOT_TYPE',
        message: 'en-US: Slot "when" in intent "OrderRideIntent" has type "Time", which is neither a built-in AMAZON.* type nor defined in "types".',
      },
      { code: 'DUPLICATE_INTENT', message: 'en-US: Intent "RideStatusIntent" is defined more than once ($.interactionModel.languageModel.intents[9]).' },
    ]);
  });

  it('refuses a sample naming a slot its intent lacks, and a sample two intents share (case and spacing aside)', () => {
    const document = model((m) => {
      intentNamed(m, 'OrderRideIntent').samples.push('order a ride at {when}', 'order a ride to {destination}');
      intentNamed(m, 'CancelRideIntent').samples.push('  Where is   my RIDE ');
    });
    expect(validateInteractionModel(document, 'en-US')).to.deep.equal([
      { code: 'UNDEFINED_SLOT', message: 'en-US: Sample utterance "order a ride at {when}" in intent "OrderRideIntent" refers to slot "when", which the intent does not define.' },
      { code: 'CONFLICTING_SAMPLE', message: 'en-US: Sample utterance "  Where is   my RIDE " in intent "CancelRideIntent" is also a sample of intent "RideStatusIntent".' },
    ]);
  });

  it('requires Cancel, Help and Stop in a model that has intents', () => {
    const document = model((m) => {
      m.languageModel.intents = m.languageModel.intents.filter((intent: any) => !['AMAZON.CancelIntent', 'AMAZON.StopIntent'].includes(intent.name));
    });
    expect(validateInteractionModel(document, 'de-DE')).to.deep.equal([
      { code: 'MISSING_REQUIRED_INTENT', message: 'de-DE: Intent "AMAZON.CancelIntent" is required in every custom interaction model.' },
      { code: 'MISSING_REQUIRED_INTENT', message: 'de-DE: Intent "AMAZON.StopIntent" is required in every custom interaction model.' },
    ]);
  });

  it('follows the dialog model to the language model and the prompts: intents, slots, types and prompt IDs', () => {
    const document = model((m) => {
      m.prompts.push({ id: 'Confirm.Intent.CancelRide', variations: [{ type: 'PlainText', value: 'Sure?' }] });
      const order = m.dialog.intents.find((intent: any) => intent.name === 'OrderRideIntent');
      order.prompts = { confirmation: 'Confirm.Intent.OrderRide' };
      order.slots[0].type = 'AMAZON.City';
      order.slots[0].prompts.confirmation = 'Confirm.Slot.OrderRide.destination';
      order.slots.push({ name: 'when', type: 'AMAZON.TIME', prompts: {} });
      m.dialog.intents.push({ name: 'TeleportIntent', prompts: { confirmation: 'Nowhere' }, slots: [] });
    });
    expect(validateInteractionModel(document, 'en-US')).to.deep.equal([
      { code: 'DUPLICATE_PROMPT', message: 'en-US: Prompt "Confirm.Intent.CancelRide" is defined more than once.' },
      { code: 'UNDEFINED_PROMPT', message: 'en-US: The confirmation prompt "Confirm.Intent.OrderRide" of dialog intent "OrderRideIntent" is not defined in "prompts".' },
      {
        code: 'SLOT_TYPE_MISMATCH',
        message: 'en-US: Slot "destination" of dialog intent "OrderRideIntent" has type "AMAZON.City", but the language model says "Destination".',
      },
      {
        code: 'UNDEFINED_PROMPT',
        message: 'en-US: The confirmation prompt "Confirm.Slot.OrderRide.destination" of slot "destination" of dialog intent "OrderRideIntent" is not defined in "prompts".',
      },
      { code: 'UNDEFINED_SLOT', message: 'en-US: Slot "when" of dialog intent "OrderRideIntent" is not a slot of intent "OrderRideIntent" in the language model.' },
      // An intent the language model lacks is reported once; its prompts are not followed.
      { code: 'UNDEFINED_INTENT', message: 'en-US: Dialog model refers to intent "TeleportIntent", which the language model does not define.' },
    ]);
  });
});
