import { expect } from 'chai';
import { ConfigError } from '../../lambda/config.js';
import { linkingConfig, loadSimulatorConfig, parseLocale } from '../../local/alexa/config.js';
import { deployedBridgeUrl } from '../../local/alexa/deployed-bridge.js';
import { launchRequest, newSession, simulatorIdentity } from '../../local/alexa/envelopes.js';
import { createSkillClient, SkillRequestError } from '../../local/alexa/skill-client.js';
import { startFakeServer, type FakeServer } from './fakes.js';

describe("the deployed bridge's URL (npm run link -- --via deployed-bridge)", () => {
  it('says nothing answers where the cloud is looked for (npm start elsewhere, or stopped), not that no bridge is deployed', async () => {
    const nobody = await startFakeServer();
    const port = new URL(nobody.url).port;
    await nobody.close();
    const error = await deployedBridgeUrl({ ALEXA_CLOUD_PORT: port }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.include(`nothing answers at http://127.0.0.1:${port}`).and.include('ALEXA_CLOUD_PORT').and.not.include('no bridge is deployed');
  });

  it('says no bridge is deployed when the cloud answers without the stack', async () => {
    // CloudFormation's answer for a stack that does not exist.
    const cloud = await startFakeServer(() => ({ status: 400, json: { __type: 'ValidationError', message: 'Stack with id ride-hailer-bridge does not exist' } }));
    try {
      const error = await deployedBridgeUrl({ ALEXA_CLOUD_PORT: new URL(cloud.url).port }).catch((e: unknown) => e);
      expect((error as Error).message).to.include('no bridge is deployed').and.include('npm run deploy -- --bridge --local');
    } finally {
      await cloud.close();
    }
  });
});

describe('simulator config', () => {
  it('reads accountLinking.json and applies the local defaults', async () => {
    const config = await loadSimulatorConfig({});
    expect(config.skillEndpoint.href).to.equal('http://127.0.0.1:3000/');
    expect(config.port).to.equal(3003);
    expect(config.linking).to.deep.include({
      accessTokenScheme: 'HTTP_BASIC',
      clientId: 'alexa-ride-hailer',
      clientSecret: 'demo-only-client-secret-for-this-machine',
      scopes: ['basic_profile', 'order_car'],
      redirectUri: 'http://127.0.0.1:3003/link/callback',
      defaultTokenExpirationSeconds: 3600,
      tokenRequestTimeoutMs: 4500,
      refreshLeewaySeconds: 30,
      pkce: true,
    });
    expect(config.setups.map((setup) => [setup.route, setup.grant, setup.pkce])).to.deep.equal([
      ['direct', 'AUTH_CODE', true],
      ['bridge', 'AUTH_CODE', true],
      ['bridge', 'IMPLICIT', false],
    ]);
    expect(config.linking.authorizationUrl.href).to.equal('http://127.0.0.1:3001/auth');
    expect(config.linking.accessTokenUrl.href).to.equal('http://127.0.0.1:3001/token');
    expect(config.tokenFile).to.match(/\.local\/alexa-link\.json$/);
  });

  it('takes URL, port and secret overrides from the environment', async () => {
    const config = await loadSimulatorConfig({
      SKILL_ENDPOINT_URL: 'http://127.0.0.1:4000/alexa',
      AUTH_AUTHORIZATION_URL: 'http://127.0.0.1:4001/authorize',
      AUTH_TOKEN_URL: 'http://127.0.0.1:4001/oauth/token',
      SIMULATOR_PORT: '4003',
      ALEXA_CLIENT_SECRET: 'other-secret',
    });
    expect(config.skillEndpoint.href).to.equal('http://127.0.0.1:4000/alexa');
    expect(config.linking.authorizationUrl.href).to.equal('http://127.0.0.1:4001/authorize');
    expect(config.linking.accessTokenUrl.href).to.equal('http://127.0.0.1:4001/oauth/token');
    expect(config.linking.redirectUri).to.equal('http://127.0.0.1:4003/link/callback');
    expect(config.linking.clientSecret).to.equal('other-secret');
  });

  it('names the variable of a malformed value', async () => {
    const error = await loadSimulatorConfig({ AUTH_TOKEN_URL: 'not a url' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError).with.property('variable', 'AUTH_TOKEN_URL');
    expect(() => parseLocale('fr-FR')).to.throw(ConfigError, /en-US, en-GB, de-DE/);
  });

  it('honours REQUEST_BODY_CREDENTIALS and refuses unknown schemes and grants', () => {
    const declared = { type: 'AUTH_CODE', authorizationUrl: 'x', accessTokenUrl: 'y', clientId: 'c' };
    expect(linkingConfig({ ...declared, accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' }, {}, 3003).accessTokenScheme).to.equal('REQUEST_BODY_CREDENTIALS');
    expect(() => linkingConfig({ ...declared, accessTokenScheme: 'DIGEST' }, {}, 3003)).to.throw(ConfigError);
    expect(() => linkingConfig({ ...declared, type: 'PASSWORD' }, {}, 3003)).to.throw(ConfigError, /AUTH_CODE or IMPLICIT/);
  });

  it('links through the bridge on BRIDGE_PORT when asked, with the same client', () => {
    const declared = { type: 'AUTH_CODE', authorizationUrl: 'x', accessTokenUrl: 'y', clientId: 'c' };
    const viaBridge = linkingConfig(declared, { BRIDGE_PORT: '4004' }, 3003, { route: 'bridge' });
    expect(viaBridge).to.deep.include({ route: 'bridge', grant: 'AUTH_CODE', clientId: 'c', redirectUri: 'http://127.0.0.1:3003/link/callback' });
    expect(viaBridge.authorizationUrl.href).to.equal('http://127.0.0.1:4004/authorize');
    expect(viaBridge.accessTokenUrl.href).to.equal('http://127.0.0.1:4004/token');
  });

  it('plays the implicit grant through the bridge only, with Alexa-shaped redirect URI', () => {
    const declared = { type: 'AUTH_CODE', authorizationUrl: 'x', accessTokenUrl: 'y', clientId: 'c' };
    const implicit = linkingConfig(declared, {}, 3003, { grant: 'IMPLICIT' });
    expect(implicit).to.deep.include({ route: 'bridge', grant: 'IMPLICIT' });
    expect(implicit.redirectUri).to.equal('http://127.0.0.1:3003/spa/skill/account-linking-status.html?vendorId=M1LOCALDEMO');
    expect(linkingConfig({ ...declared, type: 'IMPLICIT' }, {}, 3003).grant).to.equal('IMPLICIT');
    expect(() => linkingConfig(declared, {}, 3003, { grant: 'IMPLICIT', route: 'direct' })).to.throw(ConfigError, /through the bridge/);
  });
});

describe('simulator skill client', () => {
  let skill: FakeServer;
  const envelope = () =>
    launchRequest({ identity: simulatorIdentity('amzn1.ask.skill.test', 'en-US'), locale: 'en-US', accessToken: undefined, now: new Date() }, newSession());

  before(async () => {
    skill = await startFakeServer();
  });
  after(async () => {
    await skill.close();
  });

  it('uses the injected signer for the signature headers', async () => {
    skill.respond = () => ({ json: { version: '1.0', response: {} } });
    const send = createSkillClient({ endpoint: skill.url, sign: () => ({ SignatureCertChainUrl: 'u', 'Signature-256': 's' }) });
    await send(envelope());
    const last = skill.requests.at(-1)!;
    expect(last.headers.signaturecertchainurl).to.equal('u');
    expect(last.headers['signature-256']).to.equal('s');
  });

  it('reports a refused request with its status', async () => {
    skill.respond = () => ({ status: 400, json: { message: 'bad request' } });
    const send = createSkillClient({ endpoint: skill.url, sign: () => ({}) });
    const error = await send(envelope()).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SkillRequestError).with.property('code', 'refused');
    expect((error as SkillRequestError).status).to.equal(400);
  });

  it('reports an answer that is not a response envelope', async () => {
    skill.respond = () => ({ json: { hello: 'world' } });
    const send = createSkillClient({ endpoint: skill.url, sign: () => ({}) });
    const error = await send(envelope()).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SkillRequestError).with.property('code', 'invalid_response');
  });

  it('reports an endpoint that hangs up or does not answer in time', async () => {
    skill.respond = () => ({ hangUp: true });
    const send = createSkillClient({ endpoint: skill.url, sign: () => ({}) });
    expect(await send(envelope()).catch((e: unknown) => e)).to.be.instanceOf(SkillRequestError).with.property('code', 'unreachable');

    skill.respond = () => new Promise(() => {}); // never answers: only the timeout can end the wait
    const slow = createSkillClient({ endpoint: skill.url, sign: () => ({}), timeoutMs: 50 });
    const error = await slow(envelope()).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SkillRequestError).with.property('message').that.matches(/within 50 ms/);
  });
});
