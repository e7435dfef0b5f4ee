/**
 * The skill-package is what `ask deploy` uploads: it must parse, agree with itself, and agree with the code —
 * every intent a handler answers exists in every locale's model, and every modelled intent has a handler.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ALL_SCOPES } from '../../lambda/account/scopes.js';
import { intent } from '../support/envelopes.js';
import { createHarness, speechOf, type Harness } from '../support/skill-harness.js';
import { startStubApi, type StubApi } from '../support/stub-api.js';

const LOCALES = ['en-US', 'en-GB', 'de-DE'];
const json = (path: string) => JSON.parse(readFileSync(new URL(`../../skill-package/${path}`, import.meta.url), 'utf8'));

interface Model {
  interactionModel: {
    languageModel: { invocationName: string; intents: { name: string; samples?: string[]; slots?: { name: string; type: string; samples?: string[] }[] }[]; types?: { name: string; values: unknown[] }[] };
    dialog?: { intents: { name: string; prompts: Record<string, string>; slots: { name: string; prompts: Record<string, string> }[] }[] };
    prompts?: { id: string }[];
  };
}

/** Built-in intents a skill may model; together with the models' own intents, the names probed on the built skill. */
const AMAZON_BUILT_INS = [
  'AMAZON.CancelIntent', 'AMAZON.FallbackIntent', 'AMAZON.HelpIntent', 'AMAZON.LoopOffIntent', 'AMAZON.LoopOnIntent',
  'AMAZON.MoreIntent', 'AMAZON.NavigateHomeIntent', 'AMAZON.NavigateSettingsIntent', 'AMAZON.NextIntent', 'AMAZON.NoIntent',
  'AMAZON.PageDownIntent', 'AMAZON.PageUpIntent', 'AMAZON.PauseIntent', 'AMAZON.PreviousIntent', 'AMAZON.RepeatIntent',
  'AMAZON.ResumeIntent', 'AMAZON.ScrollDownIntent', 'AMAZON.ScrollLeftIntent', 'AMAZON.ScrollRightIntent',
  'AMAZON.ScrollUpIntent', 'AMAZON.SelectIntent', 'AMAZON.ShuffleOffIntent', 'AMAZON.ShuffleOnIntent',
  'AMAZON.StartOverIntent', 'AMAZON.StopIntent', 'AMAZON.YesIntent',
];
/** What the error handler records when no request handler took the request (or one failed unexpectedly). */
const NO_HANDLER = 'error';

describe('skill-package', () => {
  const models = Object.fromEntries(LOCALES.map((locale) => [locale, json(`interactionModels/custom/${locale}.json`) as Model]));

  it('has a manifest for exactly the three locales; the skill events are subscribed through ask-resources.json', () => {
    const manifest = json('skill.json').manifest;
    expect(Object.keys(manifest.publishingInformation.locales).sort()).to.deep.equal([...LOCALES].sort());
    // SMAPI refuses events.subscriptions without events.endpoint, and the endpoint (the function's ARN) exists only
    // after the first deploy: `ask deploy` writes both from userConfig.skillEvents once the function is deployed.
    expect(manifest).not.to.have.property('events');
    const resources = JSON.parse(readFileSync(new URL('../../ask-resources.json', import.meta.url), 'utf8'));
    for (const profile of ['default', '__ENVIRONMENT_ASK_PROFILE__']) {
      expect(resources.profiles[profile].skillInfrastructure.userConfig.skillEvents.subscriptions.slice().sort()).to.deep.equal(['SKILL_ACCOUNT_LINKED', 'SKILL_DISABLED', 'SKILL_ENABLED']);
    }
  });

  it('declares account linking for the authorization-code grant without a committed secret', () => {
    const linking = json('accountLinking.json').accountLinkingRequest;
    expect(linking).to.include({ type: 'AUTH_CODE', accessTokenScheme: 'HTTP_BASIC', skipOnEnablement: false });
    expect(linking.scopes).to.deep.equal([...ALL_SCOPES]);
    expect(linking).not.to.have.property('clientSecret');
    for (const url of [linking.authorizationUrl, linking.accessTokenUrl]) expect(new URL(url).protocol).to.equal('https:');
    expect(linking.domains).to.be.an('array');
  });

  it('offers the implicit grant beside it, through the bridge, with the same client and scopes and no token URI', () => {
    const code = json('accountLinking.json').accountLinkingRequest;
    const implicit = JSON.parse(readFileSync(new URL('../../skill-package-variants/accountLinking.implicit.json', import.meta.url), 'utf8')).accountLinkingRequest;
    expect(implicit).to.include({ type: 'IMPLICIT', clientId: code.clientId, skipOnEnablement: false });
    expect(implicit.scopes).to.deep.equal(code.scopes);
    expect(new URL(implicit.authorizationUrl).pathname).to.equal('/authorize'); // the bridge's route
    expect(new URL(implicit.authorizationUrl).protocol).to.equal('https:');
    expect(implicit.domains).to.include(new URL(implicit.authorizationUrl).hostname);
    for (const field of ['accessTokenUrl', 'accessTokenScheme', 'clientSecret']) expect(implicit).not.to.have.property(field);
  });

  it('models the same intents in every locale', () => {
    const names = (locale: string) => models[locale]!.interactionModel.languageModel.intents.map((i) => i.name).sort();
    for (const locale of LOCALES) expect(names(locale), locale).to.deep.equal(names('en-US'));
  });

  describe('against the built skill', () => {
    const RIDE = { id: 'ride-1', status: 'on_the_way', etaMinutes: 4, destination: 'airport' };
    let stub: StubApi;
    let harness: Harness;
    let token: string;

    before(async () => {
      stub = await startStubApi();
      harness = await createHarness({ apiUrl: stub.url });
      token = await harness.issuer.token();
    });
    beforeEach(() => {
      // A linked user and an API that answers every route: whatever a handler needs, it gets.
      stub.reset();
      stub.script('GET', '/v1/me', { status: 200, body: { id: 'user-ann', name: 'Ann Example', email: 'ann@example.com' } });
      stub.script('GET', '/v1/rides/current', { status: 200, body: RIDE });
      stub.script('POST', '/v1/rides', { status: 201, body: RIDE });
      stub.script('DELETE', '/v1/rides/current', { status: 200, body: { ...RIDE, status: 'cancelled' } });
    });
    afterEach(() => stub.verify());
    after(() => stub.close());

    /** Sends an IntentRequest through buildSkill and returns the outcome the answering handler recorded. */
    async function outcomeOf(name: string, locale = 'en-US'): Promise<{ outcome: string; speech: string }> {
      harness.logger.lines.length = 0;
      const response = await harness.invoke(intent(name, { locale, token, slots: { destination: 'airport' } }));
      const logged = harness.logger.lines.map((line) => JSON.parse(line) as { msg?: string; event?: string; outcome?: string }).filter((r) => r.outcome !== undefined);
      expect(logged, `one request line for ${name}`).to.have.length(1);
      return { outcome: logged[0]!.outcome!, speech: speechOf(response) };
    }

    it('has a handler for every intent of every model, and every handled intent is in every model', async () => {
      const modelled = (locale: string) => new Set(models[locale]!.interactionModel.languageModel.intents.map((i) => i.name));
      const candidates = new Set([...LOCALES.flatMap((l) => [...modelled(l)]), ...AMAZON_BUILT_INS]);
      // The intents the built skill handles: the candidates some request handler takes (the error handler records
      // NO_HANDLER when none does).
      const handled = new Set<string>();
      for (const name of candidates) if ((await outcomeOf(name)).outcome !== NO_HANDLER) handled.add(name);
      expect((await outcomeOf('NoSuchIntent')).outcome, 'the probe itself').to.equal(NO_HANDLER);
      expect(handled.size).to.be.above(4);
      for (const locale of LOCALES) {
        expect([...handled].filter((n) => !modelled(locale).has(n)), `handled but not in ${locale}`).to.deep.equal([]);
        expect([...modelled(locale)].filter((n) => !handled.has(n)), `in ${locale} but not handled`).to.deep.equal([]);
      }
    });

    it('answers every modelled intent with its own handler, not the fallback or the apology', async () => {
      for (const locale of LOCALES) {
        for (const { name } of models[locale]!.interactionModel.languageModel.intents) {
          const { outcome, speech } = await outcomeOf(name, locale);
          expect(outcome, `${locale} ${name}`).not.to.equal(NO_HANDLER);
          if (name !== 'AMAZON.FallbackIntent') expect(outcome, `${locale} ${name}`).not.to.equal('fallback');
          expect(speech, `${locale} ${name}`).not.to.match(/something went wrong|schiefgegangen/);
        }
      }
      expect((await outcomeOf('AMAZON.FallbackIntent')).outcome).to.equal('fallback');
    });
  });

  for (const locale of LOCALES) {
    describe(locale, () => {
      const { languageModel, dialog, prompts } = models[locale]!.interactionModel;

      it('uses only slots the intent declares, and only types the model defines or Amazon provides', () => {
        const types = new Set((languageModel.types ?? []).map((t) => t.name));
        for (const i of languageModel.intents) {
          const slots = new Set((i.slots ?? []).map((s) => s.name));
          for (const sample of [...(i.samples ?? []), ...(i.slots ?? []).flatMap((s) => s.samples ?? [])]) {
            for (const used of sample.matchAll(/\{(\w+)\}/g)) expect(slots.has(used[1]!), `${i.name}: "${sample}"`).to.equal(true);
          }
          for (const slot of i.slots ?? []) expect(types.has(slot.type) || slot.type.startsWith('AMAZON.'), slot.type).to.equal(true);
        }
      });

      it('has real, distinct sample utterances for each custom intent', () => {
        for (const i of languageModel.intents.filter((x) => !x.name.startsWith('AMAZON.'))) {
          expect(i.samples?.length ?? 0, i.name).to.be.at.least(4);
          expect(new Set(i.samples).size, `${i.name} duplicates`).to.equal(i.samples!.length);
        }
        const all = languageModel.intents.flatMap((i) => (i.samples ?? []).map((s) => s.toLowerCase()));
        expect(new Set(all).size, 'a sample belongs to one intent only').to.equal(all.length);
      });

      it('defines every prompt the dialog model refers to', () => {
        const ids = new Set((prompts ?? []).map((p) => p.id));
        for (const i of dialog?.intents ?? []) {
          for (const id of [...Object.values(i.prompts), ...i.slots.flatMap((s) => Object.values(s.prompts))]) expect(ids.has(id), id).to.equal(true);
        }
      });

      it('uses a two-word lowercase invocation name', () => {
        expect(languageModel.invocationName).to.match(/^[a-zäöüß]+ [a-zäöüß]+$/);
      });
    });
  }
});
