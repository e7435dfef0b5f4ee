/**
 * The local cloud's CloudFormation, S3 and Function URLs, driven by the real AWS SDK v3 clients: a template's
 * resources are created (the function from an S3 zip, running under aws-lambda-ric), a Function URL turns HTTP into
 * payload-2.0 events and refuses with 403 until BOTH public permissions exist, and templates CloudFormation would
 * refuse are refused with the reason.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand, type Capability } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { zipSync, strToU8 } from 'fflate';
import { LocalFunctionRunner } from '../../local/alexa-cloud/runtime/index.js';
import { LOCAL_CLOUD_CREDENTIALS, startAlexaCloud, type AlexaCloud } from '../../local/alexa-cloud/server.js';

/** Answers every URL request with the event it got, so the test sees the payload-2.0 shape. */
const ECHO = `export const handler = async (event) => ({ statusCode: 201, headers: { 'content-type': 'application/json', 'x-echo': 'yes' }, cookies: ['a=1'], body: JSON.stringify(event) });`;

function template(options: { invokePermission: boolean; extra?: Record<string, unknown>; functionProperties?: Record<string, unknown> }) {
  return JSON.stringify({
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } },
      },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs24.x', Handler: 'index.handler', Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { S3Bucket: 'code', S3Key: 'echo.zip' }, ...options.functionProperties },
      },
      Url: { Type: 'AWS::Lambda::Url', Properties: { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
      UrlPermission: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { Ref: 'Fn' }, Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' } },
      ...(options.invokePermission
        ? { InvokePermission: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { Ref: 'Fn' }, Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true } } }
        : {}),
      ...options.extra,
    },
    Outputs: { Url: { Value: { 'Fn::GetAtt': ['Url', 'FunctionUrl'] } } },
  });
}

describe('local Alexa cloud: CloudFormation, S3 and Function URLs', function () {
  this.timeout(60_000);
  let dir: string;
  let cloud: AlexaCloud;
  let runner: LocalFunctionRunner;
  let cfn: CloudFormationClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloud-cfn-'));
    runner = new LocalFunctionRunner({ dataDir: join(dir, 'cloud'), log: () => undefined });
    cloud = await startAlexaCloud({ port: 0, dataDir: join(dir, 'cloud'), runner, log: () => undefined });
    const config = {
      endpoint: cloud.url,
      region: 'us-east-1',
      credentials: { accessKeyId: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, secretAccessKey: LOCAL_CLOUD_CREDENTIALS.awsSecretAccessKey },
    };
    cfn = new CloudFormationClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'code' }));
    await s3.send(new PutObjectCommand({ Bucket: 'code', Key: 'echo.zip', Body: zipSync({ 'index.mjs': strToU8(ECHO) }) }));
    s3.destroy();
  });
  after(async () => {
    cfn?.destroy();
    await cloud?.close();
    await runner?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const stack = async (name: string) => (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;

  it('a public URL answers 403 until both permissions exist; then requests arrive as payload-2.0 events', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'echo', TemplateBody: template({ invokePermission: false }), Capabilities: ['CAPABILITY_IAM'] }));
    const created = await stack('echo');
    expect(created.StackStatus).to.equal('CREATE_COMPLETE');
    const url = created.Outputs!.find((o) => o.OutputKey === 'Url')!.OutputValue!;
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const refused = await fetch(new URL('hello', url));
    expect(refused.status).to.equal(403);
    expect(((await refused.json()) as { Message: string }).Message).to.match(/^Forbidden/);

    await cfn.send(new UpdateStackCommand({ StackName: 'echo', TemplateBody: template({ invokePermission: true }), Capabilities: ['CAPABILITY_IAM'] }));
    expect((await stack('echo')).StackStatus).to.equal('UPDATE_COMPLETE');
    const answer = await fetch(new URL('some/path?x=1&x=2&y=3', url), { method: 'POST', headers: { 'content-type': 'application/octet-stream', cookie: 'c1=v1; c2=v2', 'X-Custom': 'Yes' }, body: new Uint8Array([0, 1, 2, 255]) });
    expect(answer.status).to.equal(201);
    expect(answer.headers.get('x-echo')).to.equal('yes');
    expect(answer.headers.get('set-cookie')).to.equal('a=1');
    const event = (await answer.json()) as Record<string, any>;
    expect(event).to.deep.include({ version: '2.0', routeKey: '$default', rawPath: '/some/path', rawQueryString: 'x=1&x=2&y=3', cookies: ['c1=v1', 'c2=v2'], isBase64Encoded: true, body: 'AAEC/w==' });
    expect(event.queryStringParameters).to.deep.equal({ x: '1,2', y: '3' });
    expect(event.headers).to.include({ 'x-custom': 'Yes', 'content-type': 'application/octet-stream' });
    expect(event.headers).not.to.have.property('cookie');
    expect(event.requestContext.http).to.include({ method: 'POST', path: '/some/path' });
  });

  it('an update that changes nothing is refused as on AWS: "No updates are to be performed."', async () => {
    const error = await cfn.send(new UpdateStackCommand({ StackName: 'echo', TemplateBody: template({ invokePermission: true }), Capabilities: ['CAPABILITY_IAM'] })).catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).name).to.equal('ValidationError');
    expect((error as Error).message).to.equal('No updates are to be performed.');
  });

  it('an unknown property fails the resource with the reason, and the create rolls back', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'typo', TemplateBody: template({ invokePermission: true, functionProperties: { FunctionName: 'typo-fn', Memory: 256 } }), Capabilities: ['CAPABILITY_IAM'] }));
    const failed = await stack('typo');
    expect(failed.StackStatus).to.equal('ROLLBACK_COMPLETE');
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'typo' }))).StackEvents!;
    const failure = events.find((e) => e.ResourceStatus === 'CREATE_FAILED')!;
    expect(failure.LogicalResourceId).to.equal('Fn');
    expect(failure.ResourceStatusReason).to.match(/^Properties validation failed for resource Fn with message: Resources\.Fn\.Properties: unknown property Memory/);
    // The role created before the failure was removed by the rollback.
    expect(events.some((e) => e.LogicalResourceId === 'Role' && e.ResourceStatus === 'DELETE_COMPLETE')).to.equal(true);
  });

  it('an unknown resource type, a dangling Ref or IAM without CAPABILITY_IAM is refused at the call', async () => {
    const refusal = (body: string, capabilities: Capability[] = ['CAPABILITY_IAM']) => cfn.send(new CreateStackCommand({ StackName: 'bad', TemplateBody: body, Capabilities: capabilities })).then(() => expect.fail('accepted'), (e: Error) => e);
    const unknownType = await refusal(template({ invokePermission: true, extra: { Queue: { Type: 'AWS::SQS::Queues', Properties: {} } } }));
    expect(unknownType.message).to.equal('Template format error: Unrecognized resource types: [AWS::SQS::Queues]');
    const dangling = await refusal(template({ invokePermission: true, functionProperties: { Role: { Ref: 'Nobody' } } }));
    expect(dangling.message).to.match(/Template format error: .*Ref Nobody names no parameter, resource or pseudo parameter/);
    const noCapability = await refusal(template({ invokePermission: true }), []);
    expect(noCapability.name).to.equal('InsufficientCapabilitiesException');
  });
});
