import { expect } from 'chai';
import type { Intent } from 'ask-sdk-model';
import { PROJECT_ROOT } from '../../local/alexa/config.js';
import { loadInteractionModel, SUPPORTED_LOCALES, type InteractionModel, type Locale } from '../../local/alexa/interaction-model.js';
import { createNlu, type Nlu } from '../../local/alexa/nlu.js';
import { join } from 'node:path';

const SKILL_ID = 'amzn1.ask.skill.test';
const skillPackage = join(PROJECT_ROOT, 'skill-package');

function intentOf(nlu: Nlu, utterance: string): Intent {
  const understood = nlu.understand(utterance);
  if (understood.kind !== 'intent') throw new Error(`"${utterance}" was understood as ${understood.kind}`);
  return understood.intent;
}

function resolutionOf(intent: Intent, slotName: string) {
  return intent.slots?.[slotName]?.resolutions?.resolutionsPerAuthority?.[0];
}

for (const locale of SUPPORTED_LOCALES) {
  describe(`simulator NLU (${locale})`, () => {
    let model: InteractionModel;
    let nlu: Nlu;

    before(async () => {
      model = await loadInteractionModel(skillPackage, locale as Locale);
      nlu = createNlu(model, { locale, skillId: SKILL_ID });
    });

    it('matches every sample utterance of every intent to that intent, with the slot filled and resolved', () => {
      const types = new Map((model.interactionModel.languageModel.types ?? []).map((type) => [type.name, type]));
      let checked = 0;
      for (const intent of model.interactionModel.languageModel.intents) {
        for (const sample of intent.samples ?? []) {
          const slotValues: Record<string, string> = {};
          const utterance = sample.replace(/\{(\w+)\}/g, (_, slotName: string) => {
            const typeName = intent.slots?.find((slot) => slot.name === slotName)?.type;
            const value = types.get(typeName ?? '')?.values[0]?.name.value ?? 'x';
            slotValues[slotName] = value;
            return value;
          });
          const understood = intentOf(nlu, utterance);
          expect(understood.name, `"${utterance}"`).to.equal(intent.name);
          for (const [slotName, value] of Object.entries(slotValues)) {
            expect(understood.slots?.[slotName]?.value, `"${utterance}"`).to.equal(value);
            expect(resolutionOf(understood, slotName)?.status.code).to.equal('ER_SUCCESS_MATCH');
          }
          checked += 1;
        }
      }
      expect(checked).to.be.greaterThan(20);
    });

    it('resolves every synonym of the Destination type to its canonical value and id', () => {
      const destinations = model.interactionModel.languageModel.types!.find((type) => type.name === 'Destination')!;
      const sample = locale === 'de-DE' ? 'bring mich zum {destination}' : 'take me to {destination}';
      for (const value of destinations.values) {
        for (const spoken of [value.name.value, ...(value.name.synonyms ?? [])]) {
          const intent = intentOf(nlu, sample.replace('{destination}', spoken));
          const resolution = resolutionOf(intent, 'destination');
          expect(resolution?.status.code, spoken).to.equal('ER_SUCCESS_MATCH');
          expect(resolution?.authority).to.equal(`amzn1.er-authority.echo-sdk.${SKILL_ID}.Destination`);
          expect(resolution?.values[0]?.value.name, spoken).to.equal(value.name.value);
          expect(resolution?.values[0]?.value.id).to.match(/^[0-9a-f]{32}$/);
        }
      }
    });

    it('answers an unknown destination with ER_SUCCESS_NO_MATCH and keeps the spoken value', () => {
      const utterance = locale === 'de-DE' ? 'bring mich zum Mond' : 'take me to the moon';
      const intent = intentOf(nlu, utterance);
      expect(intent.name).to.equal('OrderRideIntent');
      expect(intent.slots?.destination?.value).to.equal(locale === 'de-DE' ? 'Mond' : 'the moon');
      const resolution = resolutionOf(intent, 'destination');
      expect(resolution?.status.code).to.equal('ER_SUCCESS_NO_MATCH');
      expect(resolution).to.not.have.property('values');
    });

    it('sends the slot unfilled when the sample has none of it', () => {
      const intent = intentOf(nlu, locale === 'de-DE' ? 'bestelle eine Fahrt' : 'order a ride');
      expect(intent.name).to.equal('OrderRideIntent');
      expect(intent.slots?.destination).to.deep.equal({ name: 'destination', confirmationStatus: 'NONE' });
    });

    it('falls back to AMAZON.FallbackIntent for anything the model does not cover', () => {
      expect(intentOf(nlu, 'purple elephants sing loudly').name).to.equal('AMAZON.FallbackIntent');
    });

    it('understands launch phrases and the bare invocation name as a launch', () => {
      const phrases = locale === 'de-DE' ? ['öffne ride hailer', 'Starte Ride Hailer', 'Alexa, öffne Ride Hailer', ''] : ['open ride hailer', 'Launch Ride Hailer!', 'Alexa, open ride hailer', ''];
      for (const phrase of phrases) expect(nlu.understand(phrase).kind, phrase).to.equal('launch');
    });

    it('maps stop, cancel, help and go home to the AMAZON built-ins', () => {
      const phrases: Record<string, string> =
        locale === 'de-DE'
          ? { stopp: 'AMAZON.StopIntent', abbrechen: 'AMAZON.CancelIntent', hilfe: 'AMAZON.HelpIntent', 'geh nach hause': 'AMAZON.NavigateHomeIntent' }
          : { stop: 'AMAZON.StopIntent', cancel: 'AMAZON.CancelIntent', help: 'AMAZON.HelpIntent', 'go home': 'AMAZON.NavigateHomeIntent' };
      for (const [phrase, name] of Object.entries(phrases)) expect(intentOf(nlu, phrase).name, phrase).to.equal(name);
    });

    it('takes the answer to an elicited slot from the slot samples, else the raw text', () => {
      const viaSample = nlu.slotAnswer('OrderRideIntent', 'destination', locale === 'de-DE' ? 'zum Bahnhof' : 'to the train station');
      expect(viaSample.value).to.equal(locale === 'de-DE' ? 'Bahnhof' : 'the train station');
      expect(viaSample.resolutions?.resolutionsPerAuthority?.[0]?.values[0]?.value.name).to.equal(locale === 'de-DE' ? 'Bahnhof' : 'train station');
      const raw = nlu.slotAnswer('OrderRideIntent', 'destination', 'Atlantis');
      expect(raw.value).to.equal('Atlantis');
      expect(raw.resolutions?.resolutionsPerAuthority?.[0]?.status.code).to.equal('ER_SUCCESS_NO_MATCH');
    });

    it('understands yes and no in the locale', () => {
      expect(nlu.yesNo(locale === 'de-DE' ? 'Ja' : 'Yes.')).to.equal('yes');
      expect(nlu.yesNo(locale === 'de-DE' ? 'nein' : 'no')).to.equal('no');
      expect(nlu.yesNo('perhaps')).to.equal(undefined);
    });
  });
}

describe('simulator NLU matching rules', () => {
  let nlu: Nlu;
  before(async () => {
    nlu = createNlu(await loadInteractionModel(skillPackage, 'en-US'), { locale: 'en-US', skillId: SKILL_ID });
  });

  it('ignores case and punctuation', () => {
    expect(intentOf(nlu, 'WHERE is my ride?!').name).to.equal('RideStatusIntent');
    expect(intentOf(nlu, 'I dont need the ride anymore').name).to.equal('CancelRideIntent');
  });

  it('prefers the most specific sample: "cancel my ride" is CancelRideIntent, "cancel" the built-in', () => {
    expect(intentOf(nlu, 'cancel my ride').name).to.equal('CancelRideIntent');
    expect(intentOf(nlu, 'cancel').name).to.equal('AMAZON.CancelIntent');
  });

  it('prefers the sample whose slot swallows the fewest characters ("to {destination}" over "{destination}")', () => {
    const slot = nlu.slotAnswer('OrderRideIntent', 'destination', 'I want to go to the stadium');
    expect(slot.value).to.equal('the stadium');
    expect(nlu.slotAnswer('OrderRideIntent', 'destination', 'to work').value).to.equal('work');
  });

  it('understands a one-shot request with the invocation name', () => {
    const intent = intentOf(nlu, 'ask ride hailer to order a ride to the airport');
    expect(intent.name).to.equal('OrderRideIntent');
    expect(intent.slots?.destination?.value).to.equal('the airport');
  });

  it('resolves a German synonym that includes the preposition ("nach Hause")', async () => {
    const german = createNlu(await loadInteractionModel(skillPackage, 'de-DE'), { locale: 'de-DE', skillId: SKILL_ID });
    const intent = intentOf(german, 'bestelle eine Fahrt nach Hause');
    expect(intent.slots?.destination?.value).to.equal('nach Hause');
    expect(resolutionOf(intent, 'destination')?.values[0]?.value.name).to.equal('Zuhause');
  });
});

describe('simulator NLU tolerance: real phrasings that are not samples word for word', () => {
  const cases: Record<'en-US' | 'de-DE', Array<[string, string, string | undefined]>> = {
    'en-US': [
      ['I need a car', 'OrderRideIntent', undefined],
      ['book me a cab home', 'OrderRideIntent', 'home'],
      ['get me a taxi to 42 main street', 'OrderRideIntent', '42 main street'],
      ['could you please order me a cab to the airport', 'OrderRideIntent', 'the airport'],
      ['order ride to the stadium', 'OrderRideIntent', 'the stadium'],
      ['how long until my car arrives', 'RideStatusIntent', undefined],
      ['where is the cab', 'RideStatusIntent', undefined],
      ['um cancel the taxi please', 'CancelRideIntent', undefined],
    ],
    'de-DE': [
      ['wer ist verknüpft', 'WhoAmIIntent', undefined],
      ['bestelle bitte ein Taxi zum Flughafen', 'OrderRideIntent', 'Flughafen'],
      ['bestelle mir mal einen Wagen zum Bahnhof', 'OrderRideIntent', 'Bahnhof'],
      ['wo ist mein Wagen', 'RideStatusIntent', undefined],
      ['storniere das Taxi', 'CancelRideIntent', undefined],
    ],
  };
  for (const [locale, phrasings] of Object.entries(cases) as Array<[Locale, Array<[string, string, string | undefined]>]>) {
    it(`${locale}: ${phrasings.length} phrasings reach their intent, unknown destinations as spoken`, async () => {
      const nlu = createNlu(await loadInteractionModel(skillPackage, locale), { locale, skillId: SKILL_ID });
      for (const [utterance, intentName, destination] of phrasings) {
        const intent = intentOf(nlu, utterance);
        expect(intent.name, utterance).to.equal(intentName);
        expect(intent.slots?.destination?.value, utterance).to.equal(destination);
      }
    });
  }

  it('still falls back for what no sample covers in any order or wording', async () => {
    const nlu = createNlu(await loadInteractionModel(skillPackage, 'en-US'), { locale: 'en-US', skillId: SKILL_ID });
    for (const utterance of ['sing me a song', 'please please', 'car']) expect(intentOf(nlu, utterance).name, utterance).to.equal('AMAZON.FallbackIntent');
  });

  it('gives every de-DE intent with samples at least five', async () => {
    const model = await loadInteractionModel(skillPackage, 'de-DE');
    for (const intent of model.interactionModel.languageModel.intents.filter((each) => !each.name.startsWith('AMAZON.'))) {
      expect(intent.samples!.length, intent.name).to.be.at.least(5);
    }
  });
});
