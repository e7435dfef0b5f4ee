/**
 * `npm run deploy -- --bridge --local`, as scripts/deploy/bridge.ts runs it, against the local Alexa cloud with the
 * real AWS SDK v3 clients (CloudFormation, S3, Secrets Manager): the template becomes a stack whose function — the
 * real dist/bridge bundle, under aws-lambda-ric — answers through its Function URL; a second deploy with nothing
 * changed changes nothing; a changed bundle updates the function's code.
 */
import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LocalFunctionRunner } from '../../local/alexa-cloud/runtime/index.js';
import { LOCAL_CLOUD_CREDENTIALS, startAlexaCloud, type AlexaCloud } from '../../local/alexa-cloud/server.js';
import { bundleBridge } from '../../scripts/bundle.js';
import { deployBridge, type BridgeDeployOptions } from '../../scripts/deploy/bridge.js';

describe('deploy: the bridge as a CloudFormation stack on the local cloud', function () {
  this.timeout(120_000);
  let dir: string;
  let cloud: AlexaCloud;
  let runner: LocalFunctionRunner;
  let bundleDir: string;
  const logs: string[] = [];
  let options: BridgeDeployOptions;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bridge-deploy-'));
    bundleDir = join(dir, 'bundle');
    await bundleBridge(bundleDir);
    runner = new LocalFunctionRunner({ dataDir: join(dir, 'cloud'), log: (line) => logs.push(line) });
    cloud = await startAlexaCloud({ port: 0, dataDir: join(dir, 'cloud'), runner, log: (line) => logs.push(line), logLevel: 'warn' });
    options = {
      stackName: 'ride-hailer-bridge',
      region: LOCAL_CLOUD_CREDENTIALS.awsRegion,
      endpoint: cloud.url,
      credentials: { accessKeyId: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, secretAccessKey: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey },
      bundleDir,
      parameters: {
        Profile: 'oidc',
        UpstreamAuthorizationUrl: 'http://127.0.0.1:9/auth',
        UpstreamTokenUrl: 'http://127.0.0.1:9/token',
        UpstreamClientId: 'bridge-upstream',
        AlexaClientId: 'alexa-client',
        AlexaRedirectUris: 'https://pitangui.amazon.com/api/skill/link/M1TEST',
      },
      secrets: { alexaClientSecret: 'alexa-secret-for-test', upstreamClientSecret: 'upstream-secret-for-test' },
      pollMs: 10,
    };
  });
  after(async () => {
    await cloud?.close();
    await runner?.close();
    await rm(dir, { recursive: true, force: true });
  });

  let first: Awaited<ReturnType<typeof deployBridge>>;

  it('first deploy: secret, code and stack created; the function answers /healthz through its Function URL', async () => {
    const said: string[] = [];
    first = await deployBridge({ ...options, say: (line) => said.push(line) });
    expect(first).to.include({ stack: 'created', code: 'uploaded', secret: 'created', functionName: 'ride-hailer-bridge' });
    // The generated BRIDGE_KEY is in Secrets Manager (32 bytes), and neither it nor a client secret was ever said.
    const stored = await new SecretsManagerClient({ endpoint: cloud.url, region: options.region, credentials: options.credentials! })
      .send(new GetSecretValueCommand({ SecretId: 'ride-hailer-bridge/secrets' }))
      .then((answer) => JSON.parse(answer.SecretString!) as Record<string, string>);
    expect(Buffer.from(stored.BRIDGE_KEY!, 'base64url')).to.have.length(32);
    expect(stored).to.include({ BRIDGE_CLIENT_SECRET: 'alexa-secret-for-test', BRIDGE_UPSTREAM_CLIENT_SECRET: 'upstream-secret-for-test' });
    for (const secret of Object.values(stored)) expect(said.join('\n')).not.to.contain(secret);
    expect(first.codeKey).to.match(/^bridge\/[0-9a-f]{64}\.zip$/);
    const health = await fetch(new URL('healthz', first.functionUrl));
    expect(health.status, logs.join("\n")).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: 'ok' });
    // The bridge read its key and client secrets from Secrets Manager, and its store is the stack's table.
    const fn = await lambdaGet(cloud, 'ride-hailer-bridge');
    expect(fn.Configuration.Environment.Variables).to.include({ BRIDGE_STORE: 'dynamodb', BRIDGE_PUBLIC_URL: first.functionUrl });
    expect(JSON.stringify(fn)).not.to.contain('alexa-secret-for-test');
    const authorize = await fetch(new URL('authorize?client_id=alexa-client&response_type=code&state=s&redirect_uri=' + encodeURIComponent('https://pitangui.amazon.com/api/skill/link/M1TEST'), first.functionUrl), { redirect: 'manual' });
    expect(authorize.status).to.equal(302);
    expect(new URL(authorize.headers.get('location')!).searchParams.get('redirect_uri')).to.equal(`${first.functionUrl}callback`);
  });

  it('a second deploy with nothing changed changes nothing: no upload, no stack update, the same code revision', async () => {
    const before = (await lambdaGet(cloud, 'ride-hailer-bridge')).Configuration;
    const again = await deployBridge(options);
    expect(again).to.include({ stack: 'unchanged', code: 'unchanged', secret: 'unchanged', functionUrl: first.functionUrl, codeKey: first.codeKey });
    const after = (await lambdaGet(cloud, 'ride-hailer-bridge')).Configuration;
    expect(after.RevisionId).to.equal(before.RevisionId);
    expect(after.CodeSha256).to.equal(before.CodeSha256);
  });

  it('a changed bundle: uploaded under a new key, the stack updated, the function runs the new code', async () => {
    const before = (await lambdaGet(cloud, 'ride-hailer-bridge')).Configuration;
    const changedDir = join(dir, 'bundle-changed');
    await cp(bundleDir, changedDir, { recursive: true });
    await writeFile(join(changedDir, 'NOTICE.txt'), 'a change\n');
    const next = await deployBridge({ ...options, bundleDir: changedDir });
    expect(next).to.include({ stack: 'updated', code: 'uploaded', secret: 'unchanged', functionUrl: first.functionUrl });
    expect(next.codeKey).not.to.equal(first.codeKey);
    const after = (await lambdaGet(cloud, 'ride-hailer-bridge')).Configuration;
    expect(after.CodeSha256).not.to.equal(before.CodeSha256);
    expect((await fetch(new URL('healthz', first.functionUrl))).status).to.equal(200);
  });

  it('a changed client secret: a new secret version, the stack updated so new containers read it, the code kept', async () => {
    const before = (await lambdaGet(cloud, 'ride-hailer-bridge')).Configuration;
    const next = await deployBridge({ ...options, bundleDir: join(dir, 'bundle-changed'), secrets: { alexaClientSecret: 'rotated-alexa-secret' } });
    expect(next).to.include({ stack: 'updated', code: 'unchanged', secret: 'updated' });
    const after = (await lambdaGet(cloud, 'ride-hailer-bridge')).Configuration;
    expect(after.CodeSha256).to.equal(before.CodeSha256);
    expect(after.Environment.Variables.BRIDGE_SECRETS_VERSION).not.to.equal(before.Environment.Variables.BRIDGE_SECRETS_VERSION);
    // The new container read the rotated secret: Alexa's old secret is refused at /token, the new one passes the client check.
    const token = (secret: string) =>
      fetch(new URL('token', first.functionUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`alexa-client:${secret}`).toString('base64')}` },
        body: 'grant_type=refresh_token&refresh_token=brt_unknown',
      }).then(async (r) => ((await r.json()) as { error: string }).error);
    expect(await token('alexa-secret-for-test')).to.equal('invalid_client');
    expect(await token('rotated-alexa-secret')).to.equal('invalid_grant');
  });

  it('a first create that fails (no handler in the zip) rolls back with the reason; the next deploy deletes the stack and creates it', async () => {
    const broken = join(dir, 'bundle-broken');
    await cp(bundleDir, broken, { recursive: true });
    await rm(join(broken, 'index.mjs'));
    const failure = await deployBridge({ ...options, stackName: 'other-bridge', bundleDir: broken }).catch((error: Error) => error);
    expect((failure as Error).message).to.match(/ended in ROLLBACK_COMPLETE: .*Cannot find the handler module for "index\.handler"/);
    const said: string[] = [];
    const fixed = await deployBridge({ ...options, stackName: 'other-bridge', say: (line) => said.push(line) });
    expect(fixed).to.include({ stack: 'created', functionName: 'other-bridge' });
    expect(said.some((line) => /first create failed .*deleting it/.test(line))).to.equal(true);
    expect((await fetch(new URL('healthz', fixed.functionUrl))).status).to.equal(200);
  });
});

/** GetFunction through the cloud's Lambda API, signed by hand like the SDK would (the cloud checks the key ID). */
async function lambdaGet(cloud: AlexaCloud, name: string): Promise<{ Configuration: { RevisionId: string; CodeSha256: string; Environment: { Variables: Record<string, string> } } }> {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const response = await fetch(`${cloud.url}/2015-03-31/functions/${name}`, {
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId}/${date}/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0` },
  });
  expect(response.status).to.equal(200);
  return response.json() as never;
}
