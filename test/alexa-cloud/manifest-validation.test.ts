/**
 * The manifest rules a schema cannot say, as the ASK CLI shows them for a refused import or manifest update:
 * countries for a skill not available worldwide, an interaction model for every locale of a custom skill, and
 * endpoints that are a well-formed Lambda ARN (with this skill's trigger) or an HTTPS URL — in the default endpoint,
 * each region's, and the events endpoint.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { validateManifest, type ManifestContext } from '../../local/alexa-cloud/validation/manifest.js';

const SKILL_ID = 'amzn1.ask.skill.11111111-2222-4333-8444-555555555555';
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:ride-hailer';
const LOCALES = ['en-US', 'en-GB', 'de-DE'];

/** The project's skill.json with `change` applied to its `manifest`. */
function manifest(change: (manifest: any) => void = () => {}): unknown {
  const envelope = JSON.parse(readFileSync(new URL('../../skill-package/skill.json', import.meta.url), 'utf8'));
  change(envelope.manifest);
  return envelope;
}

const context = (more: Partial<ManifestContext> = {}): ManifestContext => ({ modelLocales: LOCALES, ...more });

describe('local Alexa cloud: manifest checks', () => {
  it('accepts the project\'s manifest, with and without an endpoint', () => {
    expect(validateManifest(manifest(), context())).to.deep.equal([]);
    expect(validateManifest(manifest((m) => (m.apis.custom.endpoint = { uri: ARN })), context())).to.deep.equal([]);
  });

  it('stops at the schema when there is no manifest object', () => {
    expect(validateManifest({ manifest: [] }, context())).to.deep.equal([{ code: 'INVALID_DATA_TYPE', message: 'Instance at property path "$.manifest" has type array, but must be object.' }]);
  });

  it('requires distribution countries when the skill is not available worldwide', () => {
    const missing = {
      code: 'MISSING_REQUIRED_PROPERTY',
      message: 'Object instance at property path "$.manifest.publishingInformation" has missing required property: "distributionCountries" (required when "isAvailableWorldwide" is false).',
    };
    expect(validateManifest(manifest((m) => delete m.publishingInformation.distributionCountries), context())).to.deep.equal([missing]);
    expect(validateManifest(manifest((m) => (m.publishingInformation.distributionCountries = [])), context())).to.deep.equal([missing]);
    expect(validateManifest(manifest((m) => {
      m.publishingInformation.isAvailableWorldwide = true;
      delete m.publishingInformation.distributionCountries;
    }), context())).to.deep.equal([]);
  });

  it('requires an interaction model for each locale of a custom skill, and none for a skill without apis.custom', () => {
    expect(validateManifest(manifest(), context({ modelLocales: ['en-US', 'de-DE'] }))).to.deep.equal([
      {
        code: 'MISSING_INTERACTION_MODEL',
        message: 'Locale "en-GB" is listed in "$.manifest.publishingInformation.locales" and the skill declares "$.manifest.apis.custom", but there is no interaction model for "en-GB" (interactionModels/custom/en-GB.json).',
      },
    ]);
    expect(validateManifest(manifest((m) => (m.apis = { smartHome: {} })), context({ modelLocales: [] }))).to.deep.equal([]);
  });

  it('checks every endpoint: the default, each region\'s and the events endpoint', () => {
    const envelope = manifest((m) => {
      m.apis.custom.endpoint = { uri: 'http://skill.example/alexa' };
      m.apis.custom.regions = { EU: { endpoint: { uri: 'arn:aws:lambda:eu-west-1:123:function:short-account' } }, NA: { endpoint: { uri: ARN } } };
      m.events = { endpoint: { uri: 'see https://skill.example/events' }, subscriptions: [{ eventName: 'SKILL_ENABLED' }] };
    });
    expect(validateManifest(envelope, context())).to.deep.equal([
      {
        code: 'INVALID_ENDPOINT',
        message: 'String instance with value "http://skill.example/alexa" at property path "$.manifest.apis.custom.endpoint.uri" must be a Lambda function ARN or an HTTPS URL.',
      },
      {
        code: 'INVALID_ENDPOINT',
        message:
          'String instance with value "arn:aws:lambda:eu-west-1:123:function:short-account" at property path "$.manifest.apis.custom.regions.EU.endpoint.uri" is not a valid Lambda function ARN (arn:aws:lambda:<region>:<12-digit account>:function:<name>).',
      },
      {
        code: 'INVALID_ENDPOINT',
        message: 'String instance with value "see https://skill.example/events" at property path "$.manifest.events.endpoint.uri" must be a Lambda function ARN or an HTTPS URL.',
      },
    ]);
  });

  it('leaves a region without an endpoint object to the schema', () => {
    const envelope = manifest((m) => (m.apis.custom.regions = { EU: {}, FE: 'tokyo' }));
    expect(validateManifest(envelope, context())).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$.manifest.apis.custom.regions.EU" has missing required property: "endpoint".' },
      { code: 'INVALID_DATA_TYPE', message: 'Instance at property path "$.manifest.apis.custom.regions.FE" has type string, but must be object.' },
    ]);
  });

  it('accepts an HTTPS endpoint with a host, and refuses one without', () => {
    const withUri = (uri: string) => validateManifest(manifest((m) => (m.apis.custom.endpoint = { uri })), context());
    expect(withUri('https://skill.example/alexa')).to.deep.equal([]);
    expect(withUri('https:///alexa').map((issue) => issue.code)).to.deep.equal(['INVALID_ENDPOINT']);
  });

  it('asks about the trigger of a Lambda endpoint only for an existing skill, and reports its answer', () => {
    const asked: string[] = [];
    const lambdaEndpointProblem = (arn: string, skillId: string) => {
      asked.push(`${arn} ${skillId}`);
      return 'the function has no Alexa Skills Kit trigger for this skill.';
    };
    const envelope = manifest((m) => (m.apis.custom.endpoint = { uri: ARN }));
    expect(validateManifest(envelope, context({ lambdaEndpointProblem }))).to.deep.equal([]);
    expect(asked).to.deep.equal([]);
    expect(validateManifest(envelope, context({ skillId: SKILL_ID, lambdaEndpointProblem }))).to.deep.equal([
      {
        code: 'INVALID_ENDPOINT',
        message: `The trigger setting for the Lambda ${ARN} at property path "$.manifest.apis.custom.endpoint.uri" is invalid: the function has no Alexa Skills Kit trigger for this skill.`,
      },
    ]);
    expect(asked).to.deep.equal([`${ARN} ${SKILL_ID}`]);
    expect(validateManifest(envelope, context({ skillId: SKILL_ID, lambdaEndpointProblem: () => undefined }))).to.deep.equal([]);
  });
});
