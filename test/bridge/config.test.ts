/**
 * The bridge's configuration: every problem is a ConfigError naming the variable; profiles are found by name.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadBridgeConfig, mapScopes, profileExtraSettings } from '../../bridge/config.js';
import type { ProviderProfile } from '../../bridge/profiles/profile.js';
import { bridgeEnv } from './helpers.js';

const RANDOM_KEY = randomBytes(32).toString('base64url');

async function configError(env: Record<string, string | undefined>): Promise<ConfigError> {
  const error = await loadBridgeConfig(bridgeEnv(env)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(ConfigError);
  return error as ConfigError;
}

describe('bridge: configuration', () => {
  it('loads a complete environment with its defaults', async () => {
    const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_PUBLIC_URL: 'https://bridge.example/base/' }));
    expect(config.port).to.equal(3004);
    expect(config.publicUrl).to.equal('https://bridge.example/base');
    expect(config.callbackUrl).to.equal('https://bridge.example/base/callback');
    expect(config.profile.name).to.equal('oidc');
    expect(config.alexa.redirectUris).to.have.length(2);
    expect(config.key).to.have.length(32);
    expect(config.upstream.budgetMs).to.equal(3500);
    expect(config.trustProxyHops).to.equal(0);
    expect(config.warnings).to.deep.equal([]);
    expect(config.host).to.equal('127.0.0.1');
    expect(config.refreshGraceSeconds).to.equal(120);
    expect(config.linkTtlSeconds).to.equal(400 * 86_400);
    expect(config.bodyLimitBytes).to.equal(16 * 1024);
    expect(config.upstream.scopeMap).to.equal(undefined);
    expect(config.previousKeys).to.deep.equal([]);
    expect((await loadBridgeConfig({ ...bridgeEnv(), LOG_LEVEL: undefined })).logLevel).to.equal('info');
    // The profile's `extra`: the bridge's own non-secret variables, nothing else from the environment.
    expect(config.profileSettings.extra).to.include({ BRIDGE_PUBLIC_URL: 'https://bridge.example/base/' });
    expect(config.profileSettings.extra).not.to.have.property('LOG_LEVEL');
    expect(config.profileSettings.upstreamClientId).to.equal(config.upstream.clientId);
    expect(config.profileSettings.extra).not.to.have.property('BRIDGE_KEY');
    expect(config.profileSettings.extra).not.to.have.property('BRIDGE_CLIENT_SECRET');
    expect(config.profileSettings.extra).not.to.have.property('BRIDGE_UPSTREAM_CLIENT_SECRET');
  });

  const required = [
    'BRIDGE_PUBLIC_URL',
    'BRIDGE_UPSTREAM_AUTHORIZATION_URL',
    'BRIDGE_UPSTREAM_TOKEN_URL',
    'BRIDGE_UPSTREAM_CLIENT_ID',
    'BRIDGE_UPSTREAM_CLIENT_SECRET',
    'BRIDGE_CLIENT_ID',
    'BRIDGE_CLIENT_SECRET',
    'BRIDGE_ALEXA_REDIRECT_URIS',
    'BRIDGE_KEY',
    'BRIDGE_DATA',
  ];
  for (const name of required) {
    it(`names ${name} when it is missing`, async () => {
      const error = await configError({ [name]: undefined });
      expect(error.variable).to.equal(name);
      expect(error.message).to.match(new RegExp(`^${name}: not set`));
    });
  }

  const malformed: [string, string, RegExp][] = [
    ['BRIDGE_PORT', '70000', /whole number/],
    ['BRIDGE_PUBLIC_URL', 'bridge.example', /absolute URL/],
    ['BRIDGE_PUBLIC_URL', 'https://bridge.example/?a=1', /query or fragment/],
    ['BRIDGE_PUBLIC_URL', 'https://bridge.example/#top', /query or fragment/],
    ['BRIDGE_PUBLIC_URL', 'https://admin@bridge.example/', /credentials/],
    ['BRIDGE_UPSTREAM_TOKEN_URL', 'https://:secret@auth.example/token', /credentials/],
    ['BRIDGE_ALEXA_REDIRECT_URIS', 'https://pitangui.amazon.com/api/skill/other', /neither/],
    ['BRIDGE_UPSTREAM_SCOPES', 'a=b, order car=rides', /^BRIDGE_UPSTREAM_SCOPES: "order car=rides" is not an entry/],
    ['BRIDGE_REFRESH_GRACE_S', '3601', /whole number from 0 to 3600/],
    ['BRIDGE_LINK_TTL_DAYS', '0', /whole number from 1 to 3650/],
    ['BRIDGE_UPSTREAM_TOKEN_URL', 'ftp://auth.example/token', /http\(s\)/],
    ['BRIDGE_KEY', 'c2hvcnQ', /must be 32 random bytes/],
    ['BRIDGE_KEY', 'not base64url!!', /must be 32 random bytes/],
    ['BRIDGE_KEY', `!${RANDOM_KEY}`, /must be 32 random bytes/],
    ['BRIDGE_KEY', `${RANDOM_KEY}!`, /must be 32 random bytes/],
    ['BRIDGE_UPSTREAM_AUTHORIZATION_URL', 'ftp://auth.example/authorize', /http\(s\)/],
    ['BRIDGE_ALEXA_REDIRECT_URIS', 'not a url', /absolute URL/],
    ['BRIDGE_ALEXA_REDIRECT_URIS', 'https://pitangui.amazon.com/x#frag', /fragment/],
    ['BRIDGE_ALEXA_REDIRECT_URIS', ' , ', /lists no URI/],
    ['BRIDGE_UPSTREAM_SCOPES', 'order_car', /alexa_scope=upstream scopes/],
    ['BRIDGE_UPSTREAM_SCOPES', 'a=x,a=y', /mapped twice/],
    ['BRIDGE_UPSTREAM_BUDGET_MS', '5000', /whole number from 200 to 4000/],
    ['BRIDGE_TRUST_PROXY', '6', /whole number from 0 to 5/],
    ['LOG_LEVEL', 'loud', /one of/],
  ];
  for (const [name, value, problem] of malformed) {
    it(`names ${name} when it is "${value}"`, async () => {
      const error = await configError({ [name]: value });
      expect(error.variable).to.equal(name);
      expect(error.message).to.match(problem);
    });
  }

  it('names every variable at fault in one error, in the order they are read, so a deployment is fixed in one round', async () => {
    const error = await configError({
      BRIDGE_PUBLIC_URL: 'http://bridge.example',
      BRIDGE_UPSTREAM_CLIENT_ID: undefined,
      BRIDGE_KEY: 'c2hvcnQ',
      BRIDGE_PROFILE: 'nope',
      BRIDGE_TRUST_PROXY: '6',
    });
    expect(error.variables).to.deep.equal(['BRIDGE_PUBLIC_URL', 'BRIDGE_UPSTREAM_CLIENT_ID', 'BRIDGE_KEY', 'BRIDGE_PROFILE', 'BRIDGE_TRUST_PROXY']);
    expect(error.message.split('; ')).to.have.length(5);
    expect(error.message, 'the key is never quoted').not.to.include('c2hvcnQ');
  });

  describe('the store (BRIDGE_STORE)', () => {
    const dynamo = { BRIDGE_STORE: 'dynamodb', BRIDGE_DATA: undefined, BRIDGE_DYNAMODB_TABLE: 'ride-hailer-bridge', BRIDGE_DYNAMODB_REGION: 'eu-west-1' };

    it('is SQLite at BRIDGE_DATA by default', async () => {
      expect((await loadBridgeConfig(bridgeEnv({ BRIDGE_DATA: '/var/lib/bridge.sqlite' }))).store).to.deep.equal({ kind: 'sqlite', path: '/var/lib/bridge.sqlite' });
    });

    it('is DynamoDB with BRIDGE_STORE=dynamodb: the table, the region (or AWS_REGION), an optional endpoint, the rate limits\' table; BRIDGE_DATA unused', async () => {
      const rateLimitTable = 'ride-hailer-bridge-rate-limits';
      expect((await loadBridgeConfig(bridgeEnv(dynamo))).store).to.deep.equal({ kind: 'dynamodb', table: 'ride-hailer-bridge', region: 'eu-west-1', rateLimitTable });
      const fromAws = await loadBridgeConfig(bridgeEnv({ ...dynamo, BRIDGE_DYNAMODB_REGION: undefined, AWS_REGION: 'us-east-1', BRIDGE_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }));
      expect(fromAws.store).to.deep.equal({ kind: 'dynamodb', table: 'ride-hailer-bridge', region: 'us-east-1', endpoint: 'http://127.0.0.1:8000/', rateLimitTable });
      for (const region of ['us-gov-west-1', 'ap-southeast-12']) expect((await loadBridgeConfig(bridgeEnv({ ...dynamo, BRIDGE_DYNAMODB_REGION: region }))).store).to.include({ region });
      const named = await loadBridgeConfig(bridgeEnv({ ...dynamo, BRIDGE_DYNAMODB_RATE_LIMIT_TABLE: 'counters' }));
      expect(named.store).to.include({ rateLimitTable: 'counters' });
    });

    const problems: [Record<string, string | undefined>, string, RegExp][] = [
      [{ BRIDGE_STORE: 'redis' }, 'BRIDGE_STORE', /one of sqlite, dynamodb/],
      [{ ...dynamo, BRIDGE_DYNAMODB_TABLE: undefined }, 'BRIDGE_DYNAMODB_TABLE', /^BRIDGE_DYNAMODB_TABLE: not set \(BRIDGE_STORE=dynamodb/],
      [{ BRIDGE_DATA: undefined }, 'BRIDGE_DATA', /^BRIDGE_DATA: not set \(the SQLite file of BRIDGE_STORE=sqlite/],
      [{ ...dynamo, BRIDGE_DYNAMODB_TABLE: 'arn:aws:dynamodb:eu-west-1:1:table/x' }, 'BRIDGE_DYNAMODB_TABLE', /not a DynamoDB table name/],
      [{ ...dynamo, BRIDGE_DYNAMODB_REGION: undefined, AWS_REGION: undefined }, 'BRIDGE_DYNAMODB_REGION', /not set .*AWS_REGION/],
      [{ ...dynamo, BRIDGE_DYNAMODB_REGION: 'Ireland' }, 'BRIDGE_DYNAMODB_REGION', /not an AWS region/],
      [{ ...dynamo, BRIDGE_DYNAMODB_REGION: 'Xeu-west-1' }, 'BRIDGE_DYNAMODB_REGION', /not an AWS region/],
      [{ ...dynamo, BRIDGE_DYNAMODB_REGION: 'eu-west-1a' }, 'BRIDGE_DYNAMODB_REGION', /not an AWS region/],
      [{ ...dynamo, BRIDGE_DYNAMODB_TABLE: '!!!bridge' }, 'BRIDGE_DYNAMODB_TABLE', /not a DynamoDB table name/],
      [{ ...dynamo, BRIDGE_DYNAMODB_RATE_LIMIT_TABLE: '!!!counters' }, 'BRIDGE_DYNAMODB_RATE_LIMIT_TABLE', /not a DynamoDB table name/],
      [{ ...dynamo, BRIDGE_DYNAMODB_RATE_LIMIT_TABLE: 'counters!!!' }, 'BRIDGE_DYNAMODB_RATE_LIMIT_TABLE', /not a DynamoDB table name/],
      [{ ...dynamo, BRIDGE_DYNAMODB_ENDPOINT: 'localhost:8000' }, 'BRIDGE_DYNAMODB_ENDPOINT', /http\(s\) URL/],
      [{ ...dynamo, BRIDGE_DYNAMODB_ENDPOINT: 'http://key:secret@127.0.0.1:8000' }, 'BRIDGE_DYNAMODB_ENDPOINT', /credentials/],
      [{ ...dynamo, BRIDGE_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000/?region=x' }, 'BRIDGE_DYNAMODB_ENDPOINT', /query or fragment/],
      [{ ...dynamo, BRIDGE_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000/#x' }, 'BRIDGE_DYNAMODB_ENDPOINT', /query or fragment/],
      [{ ...dynamo, BRIDGE_DYNAMODB_RATE_LIMIT_TABLE: 'a b' }, 'BRIDGE_DYNAMODB_RATE_LIMIT_TABLE', /not a DynamoDB table name/],
    ];
    for (const [env, name, problem] of problems) {
      it(`names ${name} (${JSON.stringify(Object.fromEntries(Object.entries(env).filter(([k]) => k === name)))})`, async () => {
        const error = await configError(env);
        expect(error.variable).to.equal(name);
        expect(error.message).to.match(problem);
      });
    }
  });

  it('names BRIDGE_PROFILE for an unknown profile and lists exactly the registered ones', async () => {
    const error = await configError({ BRIDGE_PROFILE: 'nosuch' });
    expect(error.variable).to.equal('BRIDGE_PROFILE');
    expect(error.message).to.equal('BRIDGE_PROFILE: unknown profile "nosuch" (known: auth0, azure, fitbit, github, oidc, salesforce, slack, withings)');
    // Helper modules of the folder are not profiles, a name can never leave the folder, and the map's inherited
    // properties are no profiles either.
    for (const name of ['../config', 'rfc6749', 'profile', 'registry', 'OIDC', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect((await configError({ BRIDGE_PROFILE: name })).variable, name).to.equal('BRIDGE_PROFILE');
    }
  });

  it('reads the optional settings: BRIDGE_HOST, BRIDGE_PREVIOUS_KEYS (trimmed, empty entries skipped), redirect URIs trimmed, trailing slashes of the public URL', async () => {
    const keys = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
    const key = (n: number) => keys[n - 1]!;
    const config = await loadBridgeConfig(
      bridgeEnv({ BRIDGE_HOST: '0.0.0.0', BRIDGE_PREVIOUS_KEYS: ` ${key(1)}, ,${key(2)} ,`, BRIDGE_PUBLIC_URL: 'https://bridge.example/base//', BRIDGE_ALEXA_REDIRECT_URIS: ` https://pitangui.amazon.com/api/skill/link/M1 , https://layla.amazon.com/api/skill/link/M1` }),
    );
    expect(config.host).to.equal('0.0.0.0');
    expect(config.previousKeys.map((k) => Buffer.from(k).toString('base64url'))).to.deep.equal([key(1), key(2)]);
    expect(config.publicUrl).to.equal('https://bridge.example/base');
    expect(config.alexa.redirectUris).to.deep.equal(['https://pitangui.amazon.com/api/skill/link/M1', 'https://layla.amazon.com/api/skill/link/M1']);
    expect((await configError({ BRIDGE_PREVIOUS_KEYS: `${key(1)},short` })).variable).to.equal('BRIDGE_PREVIOUS_KEYS');
    // A profile without required settings gets exactly the bridge's non-secret variables.
    expect(profileExtraSettings({ name: 'plain' } as unknown as ProviderProfile, { BRIDGE_A: '1', OTHER: '2' })).to.deep.equal({ BRIDGE_A: '1' });
    const blanks = await loadBridgeConfig(bridgeEnv({ BRIDGE_UPSTREAM_SCOPES: 'a=x, ,b=y' }));
    expect([...blanks.upstream.scopeMap!.keys()]).to.deep.equal(['a', 'b']);
  });

  it("names a profile's required setting when it is missing, and hands it to the profile as `extra`", () => {
    const profile = { name: 'needy', requiredSettings: ['BRIDGE_UPSTREAM_AUDIENCE'] } as unknown as ProviderProfile;
    expect(() => profileExtraSettings(profile, { BRIDGE_KEY: 'k' })).to.throw(ConfigError, /^BRIDGE_UPSTREAM_AUDIENCE: not set \(the "needy" profile needs it\)/);
    const extra = profileExtraSettings(profile, { BRIDGE_UPSTREAM_AUDIENCE: 'https://api', BRIDGE_KEY: 'k', BRIDGE_UPSTREAM_CLIENT_SECRET: 's' });
    expect(extra).to.deep.equal({ BRIDGE_UPSTREAM_AUDIENCE: 'https://api' });
  });

  it('maps Alexa scopes to the upstream’s (BRIDGE_UPSTREAM_SCOPES)', async () => {
    const config = await loadBridgeConfig(bridgeEnv({ BRIDGE_UPSTREAM_SCOPES: 'order_car=rides:write rides:read, basic_profile=profile, legacy=, *=offline_access' }));
    expect(mapScopes('order_car basic_profile legacy other', config.upstream.scopeMap)).to.deep.equal(['rides:write', 'rides:read', 'profile', 'other', 'offline_access']);
    expect(mapScopes('order_car', undefined)).to.deep.equal(['order_car']);
    expect(mapScopes('', undefined)).to.deep.equal([]);
    expect(mapScopes('a  b', undefined), 'repeated spaces').to.deep.equal(['a', 'b']);
    const noAlways = await loadBridgeConfig(bridgeEnv({ BRIDGE_UPSTREAM_SCOPES: 'a=x  y,, b=,' }));
    expect([...noAlways.upstream.scopeMap!]).to.deep.equal([['a', ['x', 'y']], ['b', []]]);
    expect(mapScopes('a b c', noAlways.upstream.scopeMap)).to.deep.equal(['x', 'y', 'c']);
  });
});
