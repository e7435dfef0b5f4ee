/**
 * bridge/secrets.ts: on Lambda the bridge's secrets come from the Secrets Manager secret BRIDGE_SECRETS_ARN names,
 * read once at cold start; a bad secret stops the cold start with a ConfigError that names what is wrong and never
 * a value. (The real SDK call against the local cloud's Secrets Manager is covered by test/deploy/bridge-deploy.test.ts.)
 */
import { expect } from 'chai';
import { ConfigError } from '../../bridge/config.js';
import { withBridgeSecrets, type SecretReader } from '../../bridge/secrets.js';

const VALUES = { BRIDGE_KEY: 'k'.repeat(43), BRIDGE_CLIENT_SECRET: 'alexa-secret', BRIDGE_UPSTREAM_CLIENT_SECRET: 'upstream-secret' };

describe('bridge: secrets from Secrets Manager', () => {
  it('lays the secret\'s three values over the environment, read once with the ARN and region', async () => {
    const reads: Array<[string, string | undefined]> = [];
    const reader: SecretReader = async (id, region) => {
      reads.push([id, region]);
      return JSON.stringify({ ...VALUES, OTHER: 'ignored' });
    };
    const env = await withBridgeSecrets({ BRIDGE_SECRETS_ARN: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:b-AbCdEf', AWS_REGION: 'eu-west-1', BRIDGE_KEY: 'from-env' }, reader);
    expect(reads).to.deep.equal([['arn:aws:secretsmanager:eu-west-1:000000000000:secret:b-AbCdEf', 'eu-west-1']]);
    expect(env).to.include(VALUES);
    expect(env).not.to.have.property('OTHER');
  });

  it('takes BRIDGE_PREVIOUS_KEYS from the secret too while a key is rotated, and leaves the environment\'s alone otherwise', async () => {
    const withPrevious = await withBridgeSecrets({ BRIDGE_SECRETS_ARN: 'arn:x' }, async () => JSON.stringify({ ...VALUES, BRIDGE_PREVIOUS_KEYS: 'old-key' }));
    expect(withPrevious).to.include({ BRIDGE_PREVIOUS_KEYS: 'old-key' });
    const without = await withBridgeSecrets({ BRIDGE_SECRETS_ARN: 'arn:x' }, async () => JSON.stringify(VALUES));
    expect(without).not.to.have.property('BRIDGE_PREVIOUS_KEYS');
  });

  it('without BRIDGE_SECRETS_ARN the environment is used as it is, and nothing is read', async () => {
    const env = { BRIDGE_KEY: 'x' };
    expect(await withBridgeSecrets(env, async () => expect.fail('read'))).to.equal(env);
  });

  const failure = async (reader: SecretReader): Promise<ConfigError> => {
    try {
      await withBridgeSecrets({ BRIDGE_SECRETS_ARN: 'arn:x' }, reader);
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return error as ConfigError;
    }
    return expect.fail('no ConfigError');
  };

  it('names every missing value, and never a value it found', async () => {
    const error = await failure(async () => JSON.stringify({ BRIDGE_KEY: VALUES.BRIDGE_KEY, BRIDGE_CLIENT_SECRET: ' ' }));
    expect(error.message).to.contain('BRIDGE_SECRETS_ARN').and.to.contain('BRIDGE_CLIENT_SECRET, BRIDGE_UPSTREAM_CLIENT_SECRET');
    expect(error.message).not.to.contain(VALUES.BRIDGE_KEY);
  });

  it('a value that is not a JSON object, or a read that fails, stops the cold start with a ConfigError', async () => {
    expect((await failure(async () => 'not json')).message).to.match(/must be a JSON object/);
    expect((await failure(async () => undefined)).message).to.match(/must be a JSON object/);
    const denied = Object.assign(new Error('not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' });
    expect((await failure(async () => Promise.reject(denied))).message).to.match(/could not be read \(AccessDeniedException/);
  });
});
