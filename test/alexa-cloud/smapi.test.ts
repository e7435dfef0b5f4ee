/**
 * SMAPI and LWA over real HTTP: imports (accepted and refused, with SMAPI-shaped errors naming the field),
 * manifest updates, enablement, the account-linking client (secret never returned, never logged), bearer auth,
 * and persistence across a restart.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
import { LOCAL_CLOUD_CREDENTIALS } from '../../local/alexa-cloud/index.js';
import { startTestCloud, type TestCloud } from './fakes.js';

const PACKAGE = new URL('../../skill-package/', import.meta.url);
const LOCALES = ['en-US', 'en-GB', 'de-DE'];
const read = (path: string) => JSON.parse(readFileSync(new URL(path, PACKAGE), 'utf8'));
const AUTH = { authorization: LOCAL_CLOUD_CREDENTIALS.accessToken };

interface Package {
  manifest: any;
  models: Record<string, any>;
  accountLinking?: any;
}

function projectPackage(): Package {
  const manifest = read('skill.json');
  delete manifest.manifest.events; // the CLI adds events with their endpoint after the function exists
  return { manifest, models: Object.fromEntries(LOCALES.map((l) => [l, read(`interactionModels/custom/${l}.json`)])), accountLinking: read('accountLinking.json') };
}

function zip(pkg: Package): Uint8Array {
  const files: Record<string, Uint8Array> = { 'skill.json': strToU8(JSON.stringify(pkg.manifest)) };
  for (const [locale, model] of Object.entries(pkg.models)) files[`interactionModels/custom/${locale}.json`] = strToU8(JSON.stringify(model));
  if (pkg.accountLinking) files['accountLinking.json'] = strToU8(JSON.stringify(pkg.accountLinking));
  return zipSync(files);
}

describe('alexa-cloud: SMAPI', () => {
  let test: TestCloud;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) => {
    const response = await fetch(`${test.cloud.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  /** Upload + import + poll until done, as the CLI does; returns the final import status body. */
  const importPackage = async (bytes: Uint8Array, skillId?: string) => {
    const upload = await call('POST', '/v1/skills/uploads');
    expect(upload.status).to.equal(201);
    const put = await fetch(upload.body.uploadUrl, { method: 'PUT', body: Buffer.from(bytes) });
    expect(put.status).to.equal(200);
    const started = await call('POST', skillId ? `/v1/skills/${skillId}/imports` : '/v1/skills/imports', { location: upload.body.uploadUrl, vendorId: LOCAL_CLOUD_CREDENTIALS.vendorId });
    expect(started.status, JSON.stringify(started.body)).to.equal(202);
    const importId = started.headers.get('location')!.split('/').pop()!;
    for (;;) {
      const status = await call('GET', `/v1/skills/imports/${importId}`);
      expect(status.status).to.equal(200);
      if (status.body.status !== 'IN_PROGRESS') return status.body;
    }
  };
  const createSkill = async () => {
    const result = await importPackage(zip(projectPackage()));
    expect(result.status, JSON.stringify(result)).to.equal('SUCCEEDED');
    return result.skill.skillId as string;
  };
  const errorsOf = (result: any) => result.skill.resources.flatMap((r: any) => (r.errors ?? []).map((e: any) => `${r.name}: ${e.message}`)).join('\n');

  beforeEach(async () => {
    test = await startTestCloud({ importPendingPolls: 1 });
  });
  afterEach(async () => {
    await test.stop();
  });

  it('imports the project skill package: IN_PROGRESS first, then SUCCEEDED with a skill ID and every resource', async () => {
    const upload = await call('POST', '/v1/skills/uploads');
    await fetch(upload.body.uploadUrl, { method: 'PUT', body: Buffer.from(zip(projectPackage())) });
    const started = await call('POST', '/v1/skills/imports', { location: upload.body.uploadUrl, vendorId: LOCAL_CLOUD_CREDENTIALS.vendorId });
    const importId = started.headers.get('location')!.split('/').pop()!;
    expect((await call('GET', `/v1/skills/imports/${importId}`)).body.status).to.equal('IN_PROGRESS');
    const done = (await call('GET', `/v1/skills/imports/${importId}`)).body;
    expect(done.status).to.equal('SUCCEEDED');
    expect(done.skill.skillId).to.match(/^amzn1\.ask\.skill\.[0-9a-f-]{36}$/);
    expect(done.skill.resources.map((r: any) => r.name)).to.have.members(['Manifest', 'InteractionModel.en-US', 'InteractionModel.en-GB', 'InteractionModel.de-DE', 'AccountLinking']);
    const model = await call('GET', `/v1/skills/${done.skill.skillId}/stages/development/interactionModel/locales/de-DE`);
    expect(model.body.interactionModel.languageModel.invocationName).to.equal('ride hailer');
  });

  it('refuses events.subscriptions without events.endpoint, naming the property', async () => {
    const pkg = projectPackage();
    pkg.manifest.manifest.events = { subscriptions: [{ eventName: 'SKILL_ENABLED' }] };
    const result = await importPackage(zip(pkg));
    expect(result.status).to.equal('FAILED');
    expect(result.skill.skillId).to.equal(undefined);
    expect(errorsOf(result)).to.contain('Manifest: Object instance at property path "$.manifest.events" has missing required property: "endpoint"');
  });

  it('refuses an unknown event name, listing the allowed ones', async () => {
    const skillId = await createSkill();
    const pkg = projectPackage();
    pkg.manifest.manifest.events = { endpoint: { uri: 'https://skill.example/alexa' }, subscriptions: [{ eventName: 'SKILL_LINKED' }] };
    const result = await importPackage(zip(pkg), skillId);
    expect(result.status).to.equal('FAILED');
    expect(errorsOf(result)).to.match(/Instance value \("SKILL_LINKED"\) at property path "\$\.manifest\.events\.subscriptions\[0\]\.eventName" not found in enum .*SKILL_ACCOUNT_LINKED/);
    // Nothing of a failed import is applied.
    expect((test.cloud.skills.get(skillId, 'development')!.manifest as any).events).to.equal(undefined);
  });

  it('refuses a locale without an interaction model when apis.custom is declared', async () => {
    const pkg = projectPackage();
    delete pkg.models['de-DE'];
    const result = await importPackage(zip(pkg));
    expect(result.status).to.equal('FAILED');
    expect(errorsOf(result)).to.contain('Locale "de-DE" is listed in "$.manifest.publishingInformation.locales"');
  });

  it('refuses an endpoint object without uri and a missing manifestVersion, in SMAPI wording', async () => {
    const pkg = projectPackage();
    pkg.manifest.manifest.apis.custom.endpoint = { sslCertificateType: 'Wildcard' };
    delete pkg.manifest.manifest.manifestVersion;
    const errors = errorsOf(await importPackage(zip(pkg)));
    expect(errors).to.contain('Object instance at property path "$.manifest.apis.custom.endpoint" has missing required property: "uri".');
    expect(errors).to.contain('Object instance at property path "$.manifest" has missing required property: "manifestVersion".');
  });

  it('refuses interaction models with bad invocation names, undefined slot types and broken dialog references', async () => {
    const pkg = projectPackage();
    const en = pkg.models['en-US'].interactionModel;
    en.languageModel.invocationName = 'Ask Ride Hailer';
    en.languageModel.intents.find((i: any) => i.name === 'OrderRideIntent').slots[0].type = 'Place';
    en.languageModel.intents.push({ name: 'WhereIntent', samples: ['where is {thing}'] });
    en.dialog = { intents: [{ name: 'NoSuchIntent', slots: [] }] };
    const errors = errorsOf(await importPackage(zip(pkg)));
    expect(errors).to.contain('InteractionModel.en-US: en-US: Invocation name "Ask Ride Hailer" may only contain lower-case letters');
    expect(errors).to.contain('Slot "destination" in intent "OrderRideIntent" has type "Place", which is neither a built-in AMAZON.* type nor defined in "types".');
    expect(errors).to.contain('Sample utterance "where is {thing}" in intent "WhereIntent" refers to slot "thing", which the intent does not define.');
    expect(errors).to.contain('Dialog model refers to intent "NoSuchIntent", which the language model does not define.');
    expect(errors).to.not.contain('InteractionModel.de-DE');
  });

  it('updates the manifest: 202, the outcome in /status, ETag on GET; a refused update keeps the old manifest', async () => {
    const skillId = await createSkill();
    const got = await call('GET', `/v1/skills/${skillId}/stages/development/manifest`);
    expect(got.headers.get('etag')).to.be.a('string');
    const manifest = got.body;
    manifest.manifest.apis.custom.endpoint = { uri: 'https://skill.example/alexa', sslCertificateType: 'Wildcard' };
    const put = await call('PUT', `/v1/skills/${skillId}/stages/development/manifest`, manifest);
    expect(put.status).to.equal(202);
    expect(put.headers.get('location')).to.equal(`/v1/skills/${skillId}/status?resource=manifest`);
    expect((await call('GET', `/v1/skills/${skillId}/status?resource=manifest`)).body.manifest.lastUpdateRequest).to.deep.equal({ status: 'SUCCEEDED' });

    manifest.manifest.apis.custom.endpoint = { uri: 'http://skill.example/alexa' };
    await call('PUT', `/v1/skills/${skillId}/stages/development/manifest`, manifest);
    const status = (await call('GET', `/v1/skills/${skillId}/status?resource=manifest`)).body.manifest.lastUpdateRequest;
    expect(status.status).to.equal('FAILED');
    expect(status.errors[0].message).to.contain('"$.manifest.apis.custom.endpoint.uri" must be a Lambda function ARN or an HTTPS URL');
    expect((test.cloud.skills.get(skillId, 'development')!.manifest as any).apis.custom.endpoint.uri).to.equal('https://skill.example/alexa');

    const stale = await call('PUT', `/v1/skills/${skillId}/stages/development/manifest`, manifest, { ...AUTH, 'if-match': got.headers.get('etag')! });
    expect(stale.status).to.equal(412);
  });

  it('refuses a Lambda endpoint that has no Alexa trigger for this skill', async () => {
    const skillId = await createSkill();
    const manifest = (await call('GET', `/v1/skills/${skillId}/stages/development/manifest`)).body;
    manifest.manifest.apis.custom.endpoint = { uri: 'arn:aws:lambda:us-east-1:000000000000:function:missing' };
    await call('PUT', `/v1/skills/${skillId}/stages/development/manifest`, manifest);
    const status = (await call('GET', `/v1/skills/${skillId}/status?resource=manifest`)).body.manifest.lastUpdateRequest;
    expect(status.status).to.equal('FAILED');
    expect(status.errors[0].message).to.contain('The trigger setting for the Lambda arn:aws:lambda:us-east-1:000000000000:function:missing').and.contain('does not exist');
  });

  it('enables only a skill with an endpoint: GET 404 → PUT 204 → GET 204 → DELETE 204', async () => {
    const skillId = await createSkill();
    const path = `/v1/skills/${skillId}/stages/development/enablement`;
    const refused = await call('PUT', path);
    expect(refused.status).to.equal(400);
    expect(refused.body.violations[0].message).to.contain('"$.manifest.apis.custom.endpoint.uri" is not set');
    const manifest = (await call('GET', `/v1/skills/${skillId}/stages/development/manifest`)).body;
    manifest.manifest.apis.custom.endpoint = { uri: 'https://skill.example/alexa' };
    await call('PUT', `/v1/skills/${skillId}/stages/development/manifest`, manifest);
    const missing = await call('GET', path);
    expect(missing.status).to.equal(404);
    expect(missing.body.message).to.be.a('string'); // the CLI treats an error without a body as fatal
    expect((await call('PUT', path)).status).to.equal(204);
    expect((await call('GET', path)).status).to.equal(204);
    expect(test.cloud.skills.get(skillId, 'development')!.enabled).to.equal(true);
    expect((await call('DELETE', path)).status).to.equal(204);
    expect((await call('GET', path)).status).to.equal(404);
  });

  it('stores the account-linking client; GET never returns the secret and the logs never contain it', async () => {
    const skillId = await createSkill();
    const path = `/v1/skills/${skillId}/stages/development/accountLinkingClient`;
    const request = { ...read('accountLinking.json').accountLinkingRequest, clientSecret: 'very-secret-client-secret' };
    expect((await call('PUT', path, { accountLinkingRequest: request })).status).to.equal(204);
    const got = await call('GET', path);
    expect(got.status).to.equal(200);
    expect(got.body.accountLinkingResponse.clientId).to.equal('alexa-ride-hailer');
    expect(got.body.accountLinkingResponse).to.not.have.property('clientSecret');
    expect(JSON.stringify(got.body)).to.not.contain('very-secret');
    // Re-importing the package (accountLinking.json has no secret) keeps the secret set through SMAPI.
    await importPackage(zip(projectPackage()), skillId);
    expect(readFileSync(`${test.dataDir}/state.json`, 'utf8')).to.contain('very-secret-client-secret');
    expect(test.lines.join('\n')).to.not.contain('very-secret').and.not.contain(LOCAL_CLOUD_CREDENTIALS.accessToken);
    expect((await call('DELETE', path)).status).to.equal(204);
    expect((await call('GET', path)).status).to.equal(404);
  });

  const badLinking: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown type', { type: 'PASSWORD' }, 'Instance value ("PASSWORD") at property path "$.accountLinkingRequest.type" not found in enum'],
    ['an http authorization URL', { authorizationUrl: 'http://auth.example/auth' }, '"$.accountLinkingRequest.authorizationUrl" does not match the regex pattern'],
    ['AUTH_CODE without accessTokenUrl', { accessTokenUrl: undefined }, 'has missing required property: "accessTokenUrl" (required when "type" is "AUTH_CODE")'],
    ['AUTH_CODE without accessTokenScheme', { accessTokenScheme: undefined }, 'has missing required property: "accessTokenScheme" (required when "type" is "AUTH_CODE")'],
    ['no clientId', { clientId: undefined }, 'has missing required property: "clientId"'],
    ['31 domains', { domains: Array.from({ length: 31 }, (_, i) => `d${i}.example`) }, '"$.accountLinkingRequest.domains" has 31 items; it must have at most 30'],
    ['16 scopes', { scopes: Array.from({ length: 16 }, (_, i) => `s${i}`) }, '"$.accountLinkingRequest.scopes" has 16 items; it must have at most 15'],
    ['a token lifetime of 0', { defaultTokenExpirationInSeconds: 0 }, '"$.accountLinkingRequest.defaultTokenExpirationInSeconds" is lower than the required minimum 1'],
    ['a scheme that does not exist', { accessTokenScheme: 'BASIC' }, '"$.accountLinkingRequest.accessTokenScheme" not found in enum'],
  ];
  for (const [what, change, message] of badLinking) {
    it(`refuses an account-linking request with ${what} (400, violations name the field)`, async () => {
      const skillId = await createSkill();
      const request = { ...read('accountLinking.json').accountLinkingRequest, ...change };
      const response = await call('PUT', `/v1/skills/${skillId}/stages/development/accountLinkingClient`, { accountLinkingRequest: request });
      expect(response.status).to.equal(400);
      expect(response.body.message).to.equal('Request is not valid.');
      expect(response.body.violations.map((v: any) => v.message).join('\n')).to.contain(message);
    });
  }

  it('accepts an IMPLICIT grant without token URL and scheme', async () => {
    const skillId = await createSkill();
    const response = await call('PUT', `/v1/skills/${skillId}/stages/development/accountLinkingClient`, {
      accountLinkingRequest: { type: 'IMPLICIT', authorizationUrl: 'https://auth.example/auth', clientId: 'c' },
    });
    expect(response.status, JSON.stringify(response.body)).to.equal(204);
  });

  it('refuses SMAPI calls without a valid token (401, SMAPI error shape) and accepts LWA-issued tokens', async () => {
    const none = await call('GET', '/v1/skills/amzn1.ask.skill.x/status', undefined, {});
    expect(none.status).to.equal(401);
    expect(none.body.message).to.be.a('string');
    expect((await call('POST', '/v1/skills/uploads', undefined, { authorization: 'Atza|forged' })).status).to.equal(401);

    const badGrant = await call('POST', '/auth/o2/token', { grant_type: 'refresh_token', refresh_token: 'Atzr|unknown', client_id: 'x' }, {});
    expect(badGrant.status).to.equal(400);
    expect(badGrant.body.error).to.equal('invalid_grant');
    const token = await call('POST', '/auth/o2/token', { grant_type: 'refresh_token', refresh_token: LOCAL_CLOUD_CREDENTIALS.refreshToken, client_id: 'x' }, {});
    expect(token.status).to.equal(200);
    expect(token.body.expires_in).to.be.a('number');
    expect((await call('POST', '/v1/skills/uploads', undefined, { authorization: `Bearer ${token.body.access_token}` })).status).to.equal(201);
  });

  it('answers 404 for unknown skills and imports, and 400 for an import of a URL that was never uploaded to', async () => {
    expect((await call('GET', '/v1/skills/amzn1.ask.skill.nope/stages/development/manifest')).status).to.equal(404);
    expect((await call('GET', '/v1/skills/imports/nope')).status).to.equal(404);
    const upload = await call('POST', '/v1/skills/uploads');
    const refused = await call('POST', '/v1/skills/imports', { location: upload.body.uploadUrl, vendorId: LOCAL_CLOUD_CREDENTIALS.vendorId });
    expect(refused.status).to.equal(400);
    expect(refused.body.violations[0].message).to.contain('has received a skill package');
  });

  it('keeps skills across a restart', async () => {
    const skillId = await createSkill();
    await test.restart();
    const got = await call('GET', `/v1/skills/${skillId}/stages/development/manifest`);
    expect(got.status).to.equal(200);
    expect(got.body.manifest.publishingInformation.locales['en-US'].name).to.equal('Ride Hailer');
    expect(Object.keys(test.cloud.skills.get(skillId, 'development')!.interactionModels)).to.have.length(3);
  });

  it('logs one line per call with operation, skill and outcome', async () => {
    const skillId = await createSkill();
    const line = test.lines.map((l) => JSON.parse(l)).find((l) => l.operation === 'getImportStatus' && l.outcome === 'SUCCEEDED');
    expect(line).to.include({ event: 'alexa_cloud_call', api: 'smapi', status: 200 });
    const imported = test.lines.map((l) => JSON.parse(l)).find((l) => l.operation === 'importSkillPackage');
    expect(imported.skillId).to.equal(skillId);
  });
});
