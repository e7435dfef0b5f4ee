/**
 * bridge/secrets.ts: on Lambda the bridge's secrets come from the Secrets Manager secret BRIDGE_SECRETS_ARN names,
 * read once at cold start; a bad secret stops the cold start with a ConfigError that names what is wrong and never
 * a value. (The real call against the local cloud's Secrets Manager is covered by test/deploy/bridge-deploy.test.ts.)
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError } from '../../bridge/config.js';
import { withBridgeSecrets, type SecretReader } from '../../bridge/secrets.js';
import { readSecretString } from '../../bridge/secrets-manager.js';

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

  it('takes only a JSON object with string values; a blank ARN is no ARN, a padded one is trimmed', async () => {
    for (const text of ['null', '[]', '"a string"', '42']) expect((await failure(async () => text)).message, text).to.match(/must be a JSON object/);
    expect((await failure(async () => JSON.stringify({ ...VALUES, BRIDGE_KEY: 42 }))).message).to.contain('lacks BRIDGE_KEY (each a non-empty string)');
    expect(await withBridgeSecrets({ BRIDGE_SECRETS_ARN: 'arn:x' }, async () => JSON.stringify({ ...VALUES, BRIDGE_PREVIOUS_KEYS: 7 }))).not.to.have.property('BRIDGE_PREVIOUS_KEYS');
    const blank = { BRIDGE_SECRETS_ARN: '  ' };
    expect(await withBridgeSecrets(blank, async () => expect.fail('read'))).to.equal(blank);
    const ids: string[] = [];
    await withBridgeSecrets({ BRIDGE_SECRETS_ARN: ' arn:x ' }, async (id) => {
      ids.push(id);
      return JSON.stringify(VALUES);
    });
    expect(ids).to.deep.equal(['arn:x']);
  });

  it('a value that is not a JSON object, or a read that fails, stops the cold start with a ConfigError', async () => {
    const notJson = await failure(async () => 'not json');
    expect(notJson.variable).to.equal('BRIDGE_SECRETS_ARN');
    expect(notJson.message).to.contain('must be a JSON object with BRIDGE_KEY, BRIDGE_CLIENT_SECRET, BRIDGE_UPSTREAM_CLIENT_SECRET');
    expect((await failure(async () => undefined)).message).to.match(/must be a JSON object/);
    const denied = Object.assign(new Error('not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' });
    const unread = await failure(async () => Promise.reject(denied));
    expect(unread.variable).to.equal('BRIDGE_SECRETS_ARN');
    expect(unread.message).to.match(/could not be read \(AccessDeniedException/);
  });

  describe('the GetSecretValue call (bridge/secrets-manager.ts) against a stand-in Secrets Manager endpoint', () => {
    const saved = { ...process.env };
    let requests: { target: string | undefined; region: string | undefined; body: Record<string, unknown> }[];
    let status: number | 'hang';
    let server: ReturnType<typeof createServer>;
    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          requests.push({
            target: req.headers['x-amz-target'] as string | undefined,
            region: /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1], // the credential scope's
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          });
          if (status === 'hang') return; // never answers
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(status === 200 ? JSON.stringify({ Name: 'b', SecretString: '{"BRIDGE_KEY":"k"}' }) : JSON.stringify({ __type: 'InternalServiceError', message: 'down' }));
        });
      });
      // Idle kept-alive connections stay open (Node would close them after 5 s): only the client's close() ends one.
      server.keepAliveTimeout = 0;
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      // AWS's own variables: a local endpoint and DEMO-ONLY credentials, put back after.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        AWS_ACCESS_KEY_ID: 'DEMO-ONLY-key',
        AWS_SECRET_ACCESS_KEY: 'DEMO-ONLY-secret',
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    });
    beforeEach(() => {
      requests = [];
      status = 200;
    });
    after(async () => {
      for (const name of ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('reads the secret string of the named secret, in the given region', async () => {
      expect(await readSecretString('arn:aws:secretsmanager:eu-west-1:0:secret:b', 'eu-central-1')).to.equal('{"BRIDGE_KEY":"k"}');
      expect(requests).to.deep.equal([{ target: 'secretsmanager.GetSecretValue', region: 'eu-central-1', body: { SecretId: 'arn:aws:secretsmanager:eu-west-1:0:secret:b' } }]);
    });

    it("without a region given, in the region the secret's ARN names; a bare name and no region is an error, nothing sent", async () => {
      await readSecretString('arn:aws:secretsmanager:ap-south-1:0:secret:b', undefined);
      expect(requests.map((r) => r.region)).to.deep.equal(['ap-south-1']);
      for (const id of ['ride-hailer-bridge/secrets', 'not-an-arn:aws:secretsmanager:eu-west-1:0:secret:b']) {
        const error = await readSecretString(id, undefined).then(() => undefined, (e: unknown) => e as Error);
        expect(error?.message, id).to.equal('no region: set AWS_REGION, or name the secret by its full ARN');
      }
      expect(requests).to.have.length(1);
    });

    it('closes its connection once the secret is read (a cold start keeps nothing open to Secrets Manager)', async () => {
      const sockets: Socket[] = [];
      const track = (socket: Socket) => sockets.push(socket);
      server.on('connection', track);
      try {
        await readSecretString('arn:aws:secretsmanager:eu-west-1:0:secret:b', 'eu-west-1');
        expect(sockets).to.have.length(1);
        if (!sockets[0]!.destroyed) await once(sockets[0]!, 'close');
      } finally {
        server.off('connection', track);
      }
    });

    it('a call that never answers times out (3 s per attempt, two attempts) instead of using up the cold start', async function () {
      this.timeout(30_000);
      status = 'hang';
      const error = await readSecretString('arn:x', 'eu-west-1').then(() => undefined, (e: unknown) => e as Error);
      expect(error?.name).to.equal('TimeoutError');
      expect(requests).to.have.length(2);
    });

    it('gives up after two attempts (the cold start waits for it)', async () => {
      status = 500;
      const error = await readSecretString('arn:x', 'eu-west-1').then(() => undefined, (e: unknown) => e as Error);
      expect(error?.name).to.equal('InternalServiceError');
      expect(requests).to.have.length(2);
    });
  });
});
