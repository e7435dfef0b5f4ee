/**
 * Every phrase the skill suggests ("You can say: …") is one the interaction model understands, in every locale: a
 * suggestion that lands in Fallback (the old "… or cancel it") sends the user in a circle. Read with the simulator's
 * NLU, which matches the models' samples and Alexa's built-in phrases only.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import { messagesFor } from '../../lambda/speech/index.js';
import type { Messages } from '../../lambda/speech/messages.js';
import { PROJECT_ROOT } from '../../local/alexa/config.js';
import { loadInteractionModel, SUPPORTED_LOCALES } from '../../local/alexa/interaction-model.js';
import { createNlu, FALLBACK_INTENT, type Nlu } from '../../local/alexa/nlu.js';

const MARKERS = { en: 'You can say: ', de: 'Du kannst sagen: ' };
const RIDE = { id: 'r', status: 'on_the_way', etaMinutes: 3, destination: 'airport' } as const;

/** Every answer that may offer suggestions, as the skill says it. */
function answers(say: Messages): Record<string, string> {
  return {
    welcomeLinked: say.welcomeLinked('Ann'),
    welcomeWithoutName: say.welcomeWithoutName,
    welcomeReprompt: say.welcomeReprompt,
    noActiveRide: say.noActiveRide,
    help: say.help,
    helpReprompt: say.helpReprompt,
    fallback: say.fallback,
    rideAlreadyActive: say.rideAlreadyActive(RIDE),
    tryAgainReprompt: say.tryAgainReprompt,
  };
}

/** The phrases after the marker, up to the sentence's end: "a, b, or c." / "a, b oder c." */
function suggestedPhrases(text: string, marker: string): string[] {
  const start = text.indexOf(marker);
  if (start < 0) return [];
  const list = text.slice(start + marker.length, text.indexOf('.', start));
  return list.split(/,\s*(?:or\s+)?|\s+or\s+|\s+oder\s+/).map((phrase) => phrase.trim()).filter((phrase) => phrase !== '');
}

describe('phrases the skill suggests', () => {
  for (const locale of SUPPORTED_LOCALES) {
    describe(locale, () => {
      let nlu: Nlu;
      const say = messagesFor(locale);
      const marker = MARKERS[locale.startsWith('de') ? 'de' : 'en'];
      before(async () => {
        nlu = createNlu(await loadInteractionModel(join(PROJECT_ROOT, 'skill-package'), locale), { locale, skillId: 'amzn1.ask.skill.test' });
      });

      it('are each understood as an intent of the skill, never the fallback', () => {
        const suggested = new Map<string, string>();
        for (const [name, text] of Object.entries(answers(say))) for (const phrase of suggestedPhrases(text, marker)) suggested.set(phrase, name);
        expect(suggested.size, 'phrases found').to.be.at.least(4);
        for (const [phrase, answer] of suggested) {
          const understood = nlu.understand(phrase);
          const intent = understood.kind === 'intent' ? understood.intent.name : 'launch';
          expect(intent, `"${phrase}" (suggested in ${answer})`).to.not.equal(FALLBACK_INTENT);
        }
      });

      it('cover every request of the skill in help, and the fallback offers a way out that works', () => {
        const intents = (text: string) =>
          suggestedPhrases(text, marker).map((phrase) => {
            const understood = nlu.understand(phrase);
            return understood.kind === 'intent' ? understood.intent.name : 'launch';
          });
        expect(intents(say.help)).to.have.members(['OrderRideIntent', 'RideStatusIntent', 'CancelRideIntent', 'WhoAmIIntent']);
        expect(intents(say.fallback)).to.include.members(['OrderRideIntent', 'RideStatusIntent', 'CancelRideIntent']);
      });
    });
  }

  it('finds the old, circular suggestion: "cancel it" is not understood', async () => {
    const nlu = createNlu(await loadInteractionModel(join(PROJECT_ROOT, 'skill-package'), 'en-US'), { locale: 'en-US', skillId: 'amzn1.ask.skill.test' });
    const understood = nlu.understand('cancel it');
    expect(understood.kind === 'intent' && understood.intent.name).to.not.equal('CancelRideIntent');
  });
});
