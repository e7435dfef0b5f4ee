/**
 * The local cloud's checks that stand for Amazon's, one rule at a time: the skill package a developer deploys offline
 * is refused for what SMAPI would refuse it for.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../local/alexa/config.js';
import { validateAccountLinkingRequest } from '../../local/alexa-cloud/validation/account-linking.js';
import { invocationNameProblems } from '../../local/alexa-cloud/validation/interaction-model.js';

describe('local Alexa cloud: account-linking request checks', () => {
  let request: Record<string, unknown>;
  before(async () => {
    const file = JSON.parse(await readFile(join(PROJECT_ROOT, 'skill-package', 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
    request = file.accountLinkingRequest;
  });
  const envelope = (changes: Record<string, unknown>) => ({ accountLinkingRequest: { ...request, ...changes } });
  const duplicates = (changes: Record<string, unknown>) =>
    validateAccountLinkingRequest(envelope(changes)).filter((issue) => issue.code === 'DUPLICATE_VALUE').map((issue) => issue.message);

  it('accepts the project\'s own accountLinking.json', () => {
    expect(validateAccountLinkingRequest({ accountLinkingRequest: request })).to.deep.equal([]);
  });

  it('refuses a scope or domain listed twice, naming each repeat, not only neighbours', () => {
    expect(duplicates({ scopes: ['basic_profile', 'order_car', 'basic_profile', 'order_car'] })).to.deep.equal([
      'Value "basic_profile" at property path "$.accountLinkingRequest.scopes[2]" is listed twice.',
      'Value "order_car" at property path "$.accountLinkingRequest.scopes[3]" is listed twice.',
    ]);
    expect(duplicates({ domains: ['a.example', 'b.example', 'a.example'] })).to.deep.equal(['Value "a.example" at property path "$.accountLinkingRequest.domains[2]" is listed twice.']);
    expect(duplicates({ scopes: ['basic_profile', 'order_car'], domains: ['a.example', 'b.example'] })).to.deep.equal([]);
  });

  it('answers a body without a request object with the schema\'s issue alone', () => {
    expect(validateAccountLinkingRequest(null)).to.deep.equal([{ code: 'INVALID_DATA_TYPE', message: 'Instance at property path "$" has type null, but must be object.' }]);
    expect(validateAccountLinkingRequest({})).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$" has missing required property: "accountLinkingRequest".' },
    ]);
    expect(validateAccountLinkingRequest({ accountLinkingRequest: null })).to.deep.equal([
      { code: 'INVALID_DATA_TYPE', message: 'Instance at property path "$.accountLinkingRequest" has type null, but must be object.' },
    ]);
    expect(validateAccountLinkingRequest({ accountLinkingRequest: 'scopes' })).to.deep.equal([
      { code: 'INVALID_DATA_TYPE', message: 'Instance at property path "$.accountLinkingRequest" has type string, but must be object.' },
    ]);
  });

  it('says which AUTH_CODE field is missing and why it is required', () => {
    const { accessTokenUrl: _url, accessTokenScheme: _scheme, ...implicitOnly } = request;
    expect(validateAccountLinkingRequest({ accountLinkingRequest: implicitOnly })).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$.accountLinkingRequest" has missing required property: "accessTokenUrl" (required when "type" is "AUTH_CODE").' },
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$.accountLinkingRequest" has missing required property: "accessTokenScheme" (required when "type" is "AUTH_CODE").' },
    ]);
    expect(validateAccountLinkingRequest({ accountLinkingRequest: { ...implicitOnly, type: 'IMPLICIT' } })).to.deep.equal([]);
    const { clientId: _client, ...noClient } = request;
    expect(validateAccountLinkingRequest({ accountLinkingRequest: noClient })).to.deep.equal([
      { code: 'MISSING_REQUIRED_PROPERTY', message: 'Object instance at property path "$.accountLinkingRequest" has missing required property: "clientId".' },
    ]);
  });
});

describe('local Alexa cloud: invocation name rules', () => {
  it('accepts the skill\'s name', () => {
    expect(invocationNameProblems('ride hailer', 'en-US')).to.deep.equal([]);
  });

  it('refuses a wake word anywhere in the name, not only first', () => {
    for (const name of ['alexa rides', 'ride alexa hailer', 'ride hailer echo', 'my computer taxi', 'amazon cars']) {
      expect(invocationNameProblems(name, 'en-US').some((problem) => problem.includes('wake word')), name).to.equal(true);
    }
  });

  it('refuses a launch phrase at the start and a connecting word at either end (English)', () => {
    expect(invocationNameProblems('open ride hailer', 'en-US').join()).to.include('launch phrase "open"');
    expect(invocationNameProblems('talk to ride hailer', 'en-US').join()).to.include('launch phrase "talk to"');
    expect(invocationNameProblems('ride hailer for', 'en-US').join()).to.include('end with the connecting word "for"');
    expect(invocationNameProblems('with ride hailer', 'en-US').join()).to.include('begin with the connecting word "with"');
    expect(invocationNameProblems('ride hailer for', 'de-DE').join()).to.not.include('connecting word');
  });

  it('allows periods after the single letters of an abbreviation only', () => {
    expect(invocationNameProblems('r. h. rides', 'en-US')).to.deep.equal([]);
    expect(invocationNameProblems('rides inc.', 'en-US')).to.deep.equal(['Invocation name "rides inc.": periods are only allowed after single letters of an abbreviation.']);
  });
});
