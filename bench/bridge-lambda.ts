/**
 * `npm run bench -- bridge-lambda` (issue 17, §3b): the bridge deployed as its CloudFormation stack to the local
 * Alexa cloud (npm run deploy -- --bridge --local's settings; the function under aws-lambda-ric behind its Function
 * URL, secret from Secrets Manager, store in dynalite), in front of the local stack's authorization server.
 *
 *  - cold start: the first /token (a refresh) after the function got a fresh execution environment, against the
 *    first request to a hello-world function deployed the same way to the same cloud (median of COLD_ROUNDS; a
 *    configuration change retires the warm environment, as on Lambda);
 *  - a refresh at one connection, sequential: the bridge's added latency over calling the upstream's token endpoint
 *    directly (p50, p99) — on SQLite (the bridge process npm start runs) and on DynamoDB (the deployed bridge, through
 *    its Function URL and the runtime API). Requests alternate between the targets, so drift hits all alike.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { MemoryTokenStore } from '../local/alexa/token-store.js';
import { LOCAL_CLOUD_CREDENTIALS } from '../local/alexa-cloud/server.js';
import { DEMO } from '../local/demo.js';
import { startLocalStack } from '../local/stack.js';
import { bundleBridge } from '../scripts/bundle.js';
import { deployBridge } from '../scripts/deploy/bridge.js';
import { localBridgeDeployment } from '../scripts/deploy/bridge-local.js';
import { median, percentile, ratio, table } from './lib/stats.js';

const COLD_ROUNDS = 9;
const WARM_UP = 30;
const REFRESHES = 300;
const ANN = { email: DEMO.user.email, password: DEMO.user.password };
const HELLO = `export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' });`;

const credentials = { accessKeyId: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, secretAccessKey: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey };
const basic = `Basic ${Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64')}`;

/** Lambda's UpdateFunctionConfiguration through the cloud's REST API: a changed variable = a fresh environment. */
async function retireEnvironment(cloudUrl: string, name: string, round: number): Promise<void> {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const headers = { authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${date}/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0`, 'content-type': 'application/json' };
  const current = (await (await fetch(`${cloudUrl}/2015-03-31/functions/${name}/configuration`, { headers })).json()) as { Environment: { Variables: Record<string, string> } };
  const response = await fetch(`${cloudUrl}/2015-03-31/functions/${name}/configuration`, { method: 'PUT', headers, body: JSON.stringify({ Environment: { Variables: { ...current.Environment.Variables, BENCH_ROUND: String(round) } } }) });
  if (!response.ok) throw new Error(`UpdateFunctionConfiguration ${name}: ${response.status}`);
}

async function timed(request: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const response = await request();
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`answered ${response.status}`);
  return performance.now() - started;
}

const refresh = (url: string, refreshToken: string) => () =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) });

export async function benchBridgeLambda(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-bridge-lambda-'));
  const stack = await startLocalStack({ signingDir: join(dir, 'ca'), log: () => {}, env: { LOG_LEVEL: 'silent' } });
  try {
    const port = (url: string) => new URL(url).port;
    const settings = localBridgeDeployment({ AUTH_PORT: port(stack.urls.auth), SIMULATOR_PORT: port(stack.urls.simulator), ALEXA_CLOUD_PORT: port(stack.urls.cloud), LOG_LEVEL: 'warn' });
    const bundleDir = join(dir, 'bridge');
    await bundleBridge(bundleDir);
    const deployed = await deployBridge({ ...settings, bundleDir, pollMs: 10 });

    // hello world, the same way: a zip in S3, a stack with a role, the function, its URL and both permissions.
    const aws = { endpoint: stack.urls.cloud, region: 'us-east-1', credentials };
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    const cfn = new CloudFormationClient(aws);
    const helloZip = zipSync({ 'index.mjs': strToU8(HELLO) });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-hello' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bench-hello', Key: `${createHash('sha256').update(helloZip).digest('hex')}.zip`, Body: helloZip }));
    const helloTemplate = {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'bench-hello', Runtime: 'nodejs24.x', Handler: 'index.handler', MemorySize: 512, Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { S3Bucket: 'bench-hello', S3Key: `${createHash('sha256').update(helloZip).digest('hex')}.zip` } } },
        Url: { Type: 'AWS::Lambda::Url', Properties: { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
        P1: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { Ref: 'Fn' }, Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' } },
        P2: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { Ref: 'Fn' }, Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true } },
      },
      Outputs: { Url: { Value: { 'Fn::GetAtt': ['Url', 'FunctionUrl'] } } },
    };
    await cfn.send(new CreateStackCommand({ StackName: 'bench-hello', TemplateBody: JSON.stringify(helloTemplate), Capabilities: ['CAPABILITY_IAM'] }));
    const helloUrl = (await cfn.send(new DescribeStacksCommand({ StackName: 'bench-hello' }))).Stacks![0]!.Outputs![0]!.OutputValue!;
    s3.destroy();
    cfn.destroy();

    // Links: Ann through the deployed bridge, through npm start's bridge (SQLite), and straight to the server.
    const linked = async (variant: Parameters<typeof stack.createSimulator>[0]) => {
      const store = new MemoryTokenStore();
      await stack.createSimulator({ ...variant, tokenStore: store }).link(ANN);
      return (await store.load())!.refreshToken!;
    };
    const viaDeployed = await linked({ via: 'deployed-bridge', deployedBridgeUrl: deployed.functionUrl });
    const viaSqlite = await linked({ via: 'bridge' });
    let direct = await linked({});
    const directRefresh = async () => {
      const response = await fetch(`${stack.urls.auth}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: direct }) });
      const clone = response.clone();
      if (response.ok) direct = ((await clone.json()) as { refresh_token?: string }).refresh_token ?? direct; // the server may rotate it
      return response;
    };

    // Cold starts.
    const coldBridge: number[] = [];
    const coldHello: number[] = [];
    for (let round = 1; round <= COLD_ROUNDS; round += 1) {
      await retireEnvironment(stack.urls.cloud, deployed.functionName, round);
      coldBridge.push(await timed(refresh(`${deployed.functionUrl}token`, viaDeployed)));
      await retireEnvironment(stack.urls.cloud, 'bench-hello', round);
      coldHello.push(await timed(() => fetch(helloUrl)));
    }
    const warmHello: number[] = [];
    for (let i = 0; i < 20; i += 1) warmHello.push(await timed(() => fetch(helloUrl)));

    // Refreshes at one connection, interleaved.
    const targets = {
      direct: directRefresh,
      sqlite: refresh(`${stack.urls.bridge}/token`, viaSqlite),
      dynamodb: refresh(`${deployed.functionUrl}token`, viaDeployed),
    };
    const samples: Record<keyof typeof targets, number[]> = { direct: [], sqlite: [], dynamodb: [] };
    for (let i = 0; i < WARM_UP + REFRESHES; i += 1) {
      for (const [name, request] of Object.entries(targets) as Array<[keyof typeof targets, () => Promise<Response>]>) {
        const ms = await timed(request);
        if (i >= WARM_UP) samples[name].push(ms);
      }
    }
    const p = (name: keyof typeof samples, q: number) => percentile(samples[name], q);
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    /** A difference with its sign, "+1.2 ms" or "−0.3 ms" (the bridge can come out ahead of a noisy direct call). */
    const signed = (value: number) => `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(1)} ms`;
    const added = (name: 'sqlite' | 'dynamodb', q: number) => signed(p(name, q) - p('direct', q));

    return [
      `bridge on Lambda (local cloud, aws-lambda-ric; ${COLD_ROUNDS} cold starts, ${REFRESHES} refreshes per target at 1 connection)`,
      table([
        { figure: 'cold start: first /token after a fresh environment', bridge: ms(median(coldBridge)), baseline: `hello world ${ms(median(coldHello))}`, ratio: ratio(median(coldBridge), median(coldHello)), goal: '≤ 2.00×' },
        { figure: 'warm hello world (for scale)', bridge: '', baseline: ms(median(warmHello)), ratio: '', goal: '' },
        { figure: 'refresh p50, SQLite bridge (npm start)', bridge: ms(p('sqlite', 50)), baseline: `direct ${ms(p('direct', 50))}`, ratio: added('sqlite', 50), goal: '≤ +2 ms' },
        { figure: 'refresh p99, SQLite bridge', bridge: ms(p('sqlite', 99)), baseline: `direct ${ms(p('direct', 99))}`, ratio: added('sqlite', 99), goal: '' },
        { figure: 'refresh p50, DynamoDB bridge (deployed, Function URL)', bridge: ms(p('dynamodb', 50)), baseline: `direct ${ms(p('direct', 50))}`, ratio: added('dynamodb', 50), goal: '≤ +5 ms' },
        { figure: 'refresh p99, DynamoDB bridge', bridge: ms(p('dynamodb', 99)), baseline: `direct ${ms(p('direct', 99))}`, ratio: added('dynamodb', 99), goal: '' },
        // The local cloud's own path (Function URL server → runtime API → RIC and back) is not the bridge's latency.
        { figure: 'refresh p50, DynamoDB bridge less the warm hello world', bridge: ms(p('dynamodb', 50) - median(warmHello)), baseline: `direct ${ms(p('direct', 50))}`, ratio: signed(p('dynamodb', 50) - median(warmHello) - p('direct', 50)), goal: '≤ +5 ms' },
      ]),
    ].join('\n');
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
