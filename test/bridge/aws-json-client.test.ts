/**
 * bridge/aws/json-client.ts: the bridge's AWS calls as they go on the wire. Neither dynalite nor the local cloud checks
 * a SigV4 signature, so here a stand-in service does: it signs again, with AWS's signer, exactly what arrived (method,
 * path, the headers the request says it signed, the body, its X-Amz-Date) and compares — a header got changed or a
 * body other than the one signed would not match, as it would not at AWS.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { AwsJsonClient, AwsServiceError, DYNAMODB, SECRETS_MANAGER } from '../../bridge/aws/json-client.js';

// DEMO-ONLY credentials for a loopback stand-in; nothing here reaches AWS.
const KEYS = { accessKeyId: 'DEMO-ONLY-AKID', secretAccessKey: 'DEMO-ONLY-secret' };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
  signatureMatches: boolean;
  credentialScope: string | undefined;
}

/** A stand-in AWS endpoint: records each request, checks its signature with `secret`, answers from `answers`. */
async function standIn(secret: string): Promise<{ url: string; received: Received[]; answers: Array<{ status: number; body: string }>; connections: Socket[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const answers: Array<{ status: number; body: string }> = [];
  const connections: Socket[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const authorization = req.headers.authorization ?? '';
        const [, accessKeyId, date, region, service] = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization) ?? [];
        const signedNames = (/SignedHeaders=([^,]+)/.exec(authorization)?.[1] ?? '').split(';');
        const amzDate = req.headers['x-amz-date'] as string;
        const signer = new SignatureV4({ service: service ?? '', region: region ?? '', credentials: { accessKeyId: accessKeyId ?? '', secretAccessKey: secret, sessionToken: req.headers['x-amz-security-token'] as string | undefined }, sha256: Hash.bind(null, 'sha256') });
        const again = await signer.sign(
          {
            method: req.method!,
            protocol: 'http:',
            hostname: '127.0.0.1',
            path: req.url!,
            query: {},
            headers: Object.fromEntries(signedNames.filter((name) => name !== 'x-amz-date' && name !== 'x-amz-content-sha256').map((name) => [name, String(req.headers[name])])),
            body,
          },
          { signingDate: new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`) },
        );
        received.push({ headers: req.headers, body, path: req.url!, signatureMatches: again.headers.authorization === authorization, credentialScope: accessKeyId && `${accessKeyId}/${date}/${region}/${service}` });
        const answer = answers.shift() ?? { status: 200, body: '{}' };
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(answer.body);
      })();
    });
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  // Idle kept-alive connections stay open (Node would close them after 5 s): only the client's close() ends one.
  server.keepAliveTimeout = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answers,
    connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const quick = { timeoutMs: { connect: 500, request: 1000 }, attempts: 2 };

describe('bridge: AWS JSON-protocol client (bridge/aws/json-client.ts)', () => {
  let aws: Awaited<ReturnType<typeof standIn>>;
  beforeEach(async () => (aws = await standIn(KEYS.secretAccessKey)));
  afterEach(async () => aws.close());

  it('sends the operation as DynamoDB expects it, signed (SigV4) over exactly the headers and body that arrive', async () => {
    aws.answers.push({ status: 200, body: JSON.stringify({ Item: { pk: { S: 'link#a' } } }) });
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: KEYS });
    const answer = await client.call('GetItem', { TableName: 't', Key: { pk: { S: 'link#a' } }, ConsistentRead: true });
    expect(answer).to.deep.equal({ Item: { pk: { S: 'link#a' } } });
    const [request] = aws.received;
    expect(request!.headers['x-amz-target']).to.equal('DynamoDB_20120810.GetItem');
    expect(request!.headers['content-type']).to.equal('application/x-amz-json-1.0');
    expect(JSON.parse(request!.body)).to.deep.equal({ TableName: 't', Key: { pk: { S: 'link#a' } }, ConsistentRead: true });
    expect(request!.credentialScope).to.match(/^DEMO-ONLY-AKID\/\d{8}\/eu-west-1\/dynamodb$/);
    expect(request!.headers.authorization).to.match(/SignedHeaders=[^,]*\bhost\b[^,]*\bx-amz-target\b/);
    expect(request!.signatureMatches).to.equal(true);
  });

  it("signs for Secrets Manager with its own name, target and JSON version, and carries a session token (Lambda's credentials)", async () => {
    const client = new AwsJsonClient(SECRETS_MANAGER, {
      ...quick,
      region: 'us-east-2',
      env: { AWS_ENDPOINT_URL: aws.url, AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_SESSION_TOKEN: 'DEMO-ONLY-session' },
    });
    await client.call('GetSecretValue', { SecretId: 's' });
    const [request] = aws.received;
    expect(request!.headers['x-amz-target']).to.equal('secretsmanager.GetSecretValue');
    expect(request!.headers['content-type']).to.equal('application/x-amz-json-1.1');
    expect(request!.headers['x-amz-security-token']).to.equal('DEMO-ONLY-session');
    expect(request!.credentialScope).to.match(/\/us-east-2\/secretsmanager$/);
    expect(request!.signatureMatches).to.equal(true);
  });

  it('a signature over other credentials does not match (the check above can fail)', async () => {
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: { ...KEYS, secretAccessKey: 'another' } });
    await client.call('GetItem', {});
    expect(aws.received[0]!.signatureMatches).to.equal(false);
  });

  it("picks the endpoint as the SDK does: the given one, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, AWS's regional one", () => {
    const url = (env: Record<string, string>, endpoint?: string, region = 'eu-west-1') => new AwsJsonClient(DYNAMODB, { ...quick, region, endpoint, credentials: KEYS, env }).url.href;
    const all = { AWS_ENDPOINT_URL_DYNAMODB: 'http://dynamo.local:1/', AWS_ENDPOINT_URL: 'http://cloud.local:2/' };
    expect(url(all, 'http://given.local:3')).to.equal('http://given.local:3/');
    expect(url(all)).to.equal('http://dynamo.local:1/');
    expect(url({ AWS_ENDPOINT_URL: 'http://cloud.local:2' })).to.equal('http://cloud.local:2/');
    expect(url({ AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://other.local:4' })).to.equal('https://dynamodb.eu-west-1.amazonaws.com/');
    expect(url({}, undefined, 'cn-north-1')).to.equal('https://dynamodb.cn-north-1.amazonaws.com.cn/');
    expect(new AwsJsonClient(SECRETS_MANAGER, { ...quick, region: 'us-east-1', credentials: KEYS, env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://other.local:4' } }).url.href).to.equal('http://other.local:4/');
  });

  it("without credentials in the environment, takes them from the SDK's default chain (here a shared credentials file)", async () => {
    const home = mkdtempSync(join(tmpdir(), 'aws-chain-'));
    const saved = { ...process.env };
    try {
      writeFileSync(join(home, 'credentials'), `[bridge]\naws_access_key_id = DEMO-ONLY-FROM-FILE\naws_secret_access_key = ${KEYS.secretAccessKey}\n`);
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[name];
      Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'), AWS_CONFIG_FILE: join(home, 'none'), AWS_PROFILE: 'bridge', AWS_EC2_METADATA_DISABLED: 'true' });
      // Half a pair in the environment is no pair: the chain is asked.
      const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, env: { AWS_ACCESS_KEY_ID: 'DEMO-ONLY-half' } });
      await client.call('GetItem', {});
      expect(aws.received[0]!.credentialScope).to.match(/^DEMO-ONLY-FROM-FILE\//);
      expect(aws.received[0]!.signatureMatches).to.equal(true);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a refusal is an error named after the service's type, with the raw __type and the status, and is not tried again", async () => {
    aws.answers.push({ status: 400, body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' }) });
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: KEYS });
    const error = await client.call('PutItem', {}).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(AwsServiceError);
    expect(error).to.include({ name: 'ConditionalCheckFailedException', message: 'The conditional request failed', __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException' });
    expect((error as AwsServiceError).$metadata).to.deep.equal({ httpStatusCode: 400 });
    expect(aws.received).to.have.length(1);
  });

  it('an answer over 1 MiB is not read on (no service answers these operations with more): AnswerTooLarge, not tried again', async () => {
    aws.answers.push({ status: 200, body: `{"pad":"${'x'.repeat(1024 * 1024)}"}` });
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: KEYS });
    const error = await client.call('GetItem', {}).then(() => undefined, (e: unknown) => e as AwsServiceError);
    expect(error).to.include({ name: 'AnswerTooLarge', message: 'dynamodb answered more than 1048576 bytes' });
    expect(aws.received).to.have.length(1);
  });

  it('keeps its connection alive between calls, and close() ends it', async () => {
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: KEYS });
    await client.call('GetItem', {});
    await client.call('GetItem', {});
    expect(aws.connections, 'one kept-alive connection for both calls').to.have.length(1);
    const closed = once(aws.connections[0]!, 'close');
    client.close();
    await closed; // (without close() the socket stays open and this never resolves)
  });

  it('credentials that cannot be had fail the call at once: not tried again, nothing sent', async () => {
    let asked = 0;
    const none = async () => {
      asked += 1;
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    };
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: none });
    const error = await client.call('GetItem', {}).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.name).to.equal('CredentialsProviderError');
    expect({ asked, sent: aws.received.length }).to.deep.equal({ asked: 1, sent: 0 });
  });

  it('a 200 whose body is not a JSON object is an error (InvalidAnswer), never read as an empty answer', async () => {
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: KEYS });
    for (const body of ['', 'not json', '"a string"', 'null', '42']) {
      aws.answers.push({ status: 200, body });
      const error = await client.call('GetItem', {}).then(() => undefined, (e: unknown) => e as AwsServiceError);
      expect(error, body).to.include({ name: 'InvalidAnswer', message: 'dynamodb answered 200 without a JSON object' });
    }
    aws.answers.push({ status: 200, body: '{}' });
    expect(await client.call('GetItem', {})).to.deep.equal({}); // GetItem of an absent item
  });

  it('a 5xx is tried again (signed anew) and its second answer taken; an answer that is not JSON is named by its status', async () => {
    aws.answers.push({ status: 503, body: 'busy' }, { status: 200, body: '{"ok":true}' });
    const client = new AwsJsonClient(DYNAMODB, { ...quick, region: 'eu-west-1', endpoint: aws.url, credentials: KEYS });
    expect(await client.call('GetItem', {})).to.deep.equal({ ok: true });
    expect(aws.received.map((r) => r.signatureMatches)).to.deep.equal([true, true]);
    aws.answers.push({ status: 502, body: '<html>bad gateway</html>' }, { status: 502, body: '<html>bad gateway</html>' });
    const error = await client.call('GetItem', {}).then(() => undefined, (e: unknown) => e as AwsServiceError);
    expect(error).to.include({ name: 'Http502', message: 'dynamodb answered 502' });
    expect(aws.received).to.have.length(4);
  });
});
