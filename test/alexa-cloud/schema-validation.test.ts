/**
 * The schema half of the local cloud's checks, in the words the ASK CLI prints for a refused import: each JSON
 * Schema rule a skill package can break becomes one SMAPI sentence with its code, naming the property path as SMAPI
 * does (`$.a.b[0]`, `["en-US"]` for keys that are not identifiers) and the offending value.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { checkSchema, smapiPath } from '../../local/alexa-cloud/validation/schema-check.js';

const PACKAGE = new URL('../../skill-package/', import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, PACKAGE), 'utf8'));

/** The project's own skill.json with `change` applied to its `manifest`. */
function manifest(change: (manifest: any) => void): unknown {
  const envelope = read('skill.json');
  change(envelope.manifest);
  return envelope;
}

/** The project's en-US model with `change` applied to its `languageModel`. */
function model(change: (language: any) => void): unknown {
  const document = read('interactionModels/custom/en-US.json');
  change(document.interactionModel.languageModel);
  return document;
}

describe('local Alexa cloud: schema checks in SMAPI wording', () => {
  it('accepts the project\'s own manifest, models and account linking', () => {
    expect(checkSchema('manifest', read('skill.json'))).to.deep.equal([]);
    for (const locale of ['en-US', 'en-GB', 'de-DE']) expect(checkSchema('interaction-model', read(`interactionModels/custom/${locale}.json`)), locale).to.deep.equal([]);
    expect(checkSchema('account-linking', read('accountLinking.json'))).to.deep.equal([]);
  });

  it('names the JSON type of a value of the wrong type: null, array, integer, number, string, boolean', () => {
    const typeIssue = (document: unknown) => checkSchema('manifest', document).filter((issue) => issue.code === 'INVALID_DATA_TYPE').map((issue) => issue.message);
    expect(typeIssue(null)).to.deep.equal(['Instance at property path "$" has type null, but must be object.']);
    expect(typeIssue([])).to.deep.equal(['Instance at property path "$" has type array, but must be object.']);
    expect(typeIssue(manifest((m) => (m.manifestVersion = 1)))).to.deep.equal(['Instance at property path "$.manifest.manifestVersion" has type integer, but must be string.']);
    expect(typeIssue(manifest((m) => (m.manifestVersion = 1.5)))).to.deep.equal(['Instance at property path "$.manifest.manifestVersion" has type number, but must be string.']);
    expect(typeIssue(manifest((m) => (m.apis = 'custom')))).to.deep.equal(['Instance at property path "$.manifest.apis" has type string, but must be object.']);
    expect(typeIssue(manifest((m) => (m.publishingInformation.isAvailableWorldwide = 'no')))).to.deep.equal([
      'Instance at property path "$.manifest.publishingInformation.isAvailableWorldwide" has type string, but must be boolean.',
    ]);
    expect(typeIssue(manifest((m) => (m.publishingInformation.testingInstructions = true)))).to.deep.equal([
      'Instance at property path "$.manifest.publishingInformation.testingInstructions" has type boolean, but must be string.',
    ]);
  });

  it('refuses a manifest with missing, empty and badly named parts, one issue per mistake', () => {
    const envelope = manifest((m) => {
      delete m.manifestVersion;
      m.publishingInformation.locales = {};
      m.apis = {};
      m.events = { subscriptions: [{ eventName: 'SKILL_ENABLED' }], publications: [{ eventName: 'X' }] };
    });
    expect(checkSchema('manifest', envelope)).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$.manifest" has missing required property: "manifestVersion".' },
      { code: 'EXPECTED_NOT_EMPTY_VALUE', message: 'Object instance at property path "$.manifest.publishingInformation.locales" must have at least 1 property.' },
      { code: 'EXPECTED_NOT_EMPTY_VALUE', message: 'Object instance at property path "$.manifest.apis" must have at least 1 property.' },
      {
        code: 'MISSING_REQUIRED_PROPERTY',
        message: 'Object instance at property path "$.manifest.events" has missing required property: "endpoint" (required when "subscriptions" is present).',
      },
      {
        code: 'MISSING_REQUIRED_PROPERTY',
        message: 'Object instance at property path "$.manifest.events" has missing required property: "endpoint" (required when "publications" is present).',
      },
    ]);
  });

  it('refuses a locale key that is not a locale, an unknown region, a repeated country and a short name', () => {
    const envelope = manifest((m) => {
      m.publishingInformation.locales.english = { name: 'R' };
      m.publishingInformation.distributionCountries = ['US', 'GB', 'US'];
      m.apis.custom.regions = { XX: { endpoint: { uri: 'https://skill.example/alexa' } } };
    });
    expect(checkSchema('manifest', envelope)).to.deep.equal([
      {
        code: 'STRING_PATTERN_MISMATCH',
        message: 'String instance with value "english" at property path "$.manifest.publishingInformation.locales" does not match the regex pattern "^[a-z]{2}-[A-Z]{2}$".',
      },
      { code: 'INVALID_PROPERTY_NAME', message: 'Property name "english" at property path "$.manifest.publishingInformation.locales" is not valid.' },
      {
        code: 'INVALID_STRING_LENGTH',
        message: 'String instance with value "R" at property path "$.manifest.publishingInformation.locales.english.name" has 1 characters; it must have at least 2.',
      },
      { code: 'DUPLICATE_VALUE', message: 'Array instance at property path "$.manifest.publishingInformation.distributionCountries" has duplicate items (positions 0 and 2).' },
      { code: 'INVALID_ENUM_VALUE', message: 'Instance value ("XX") at property path "$.manifest.apis.custom.regions" not found in enum (possible values: ["NA","EU","FE"]).' },
      { code: 'INVALID_PROPERTY_NAME', message: 'Property name "XX" at property path "$.manifest.apis.custom.regions" is not valid.' },
    ]);
  });

  it('counts characters and items against both limits: too short, too long, too few, too many', () => {
    const envelope = manifest((m) => {
      m.publishingInformation.locales['en-US'].summary = 's'.repeat(161);
      m.publishingInformation.locales['en-US'].examplePhrases = ['one', 'two', 'three', 'four'];
    });
    expect(checkSchema('manifest', envelope)).to.deep.equal([
      {
        code: 'INVALID_STRING_LENGTH',
        message: `String instance with value "${'s'.repeat(161)}" at property path "$.manifest.publishingInformation.locales["en-US"].summary" has 161 characters; it must have at most 160.`,
      },
      { code: 'INVALID_NUMBER_OF_ITEMS', message: 'Array instance at property path "$.manifest.publishingInformation.locales["en-US"].examplePhrases" has 4 items; it must have at most 3.' },
    ]);
    expect(checkSchema('interaction-model', model((language) => (language.intents = [])))).to.deep.equal([
      { code: 'INVALID_NUMBER_OF_ITEMS', message: 'Array instance at property path "$.interactionModel.languageModel.intents" has 0 items; it must have at least 1.' },
    ]);
  });

  it('refuses numbers out of range at either end, with the value and the limit', () => {
    const linking = (seconds: number) => {
      const envelope = read('accountLinking.json');
      envelope.accountLinkingRequest.defaultTokenExpirationInSeconds = seconds;
      return checkSchema('account-linking', envelope);
    };
    expect(linking(0)).to.deep.equal([
      { code: 'VALUE_OUT_OF_RANGE', message: 'Numeric instance with value 0 at property path "$.accountLinkingRequest.defaultTokenExpirationInSeconds" is lower than the required minimum 1.' },
    ]);
    expect(linking(31_536_001)).to.deep.equal([
      {
        code: 'VALUE_OUT_OF_RANGE',
        message: 'Numeric instance with value 31536001 at property path "$.accountLinkingRequest.defaultTokenExpirationInSeconds" is greater than the required maximum 31536000.',
      },
    ]);
  });

  it('reports a missing AUTH_CODE field once, without the bare "then failed" ajv adds beside it', () => {
    const envelope = read('accountLinking.json');
    delete envelope.accountLinkingRequest.accessTokenUrl;
    expect(checkSchema('account-linking', envelope)).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$.accountLinkingRequest" has missing required property: "accessTokenUrl".' },
    ]);
  });

  it('writes JSON Pointers as SMAPI paths: indices in brackets, identifiers after dots, anything else quoted', () => {
    expect(smapiPath('')).to.equal('$');
    expect(smapiPath('/interactionModel/languageModel/intents/12/samples/0')).to.equal('$.interactionModel.languageModel.intents[12].samples[0]');
    expect(smapiPath('/manifest/$ref/_x1')).to.equal('$.manifest.$ref._x1');
    expect(smapiPath('/locales/en-US/x1/1x')).to.equal('$.locales["en-US"].x1["1x"]');
    // JSON Pointer escapes: ~1 is "/", ~0 is "~".
    expect(smapiPath('/locales/a~1b~0c')).to.equal('$.locales["a/b~c"]');
  });
});
