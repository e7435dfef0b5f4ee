/**
 * IAM (Query/XML) and Lambda (REST-JSON) through the same AWS SDK v3 clients the ASK CLI uses (ask-cli's own
 * dependencies), so every answer is parsed exactly as the CLI would parse it: roles, functions, permissions, error
 * codes, SigV4 key checks, the runner seam (refused code keeps the old code) and persistence across a restart.
 */
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, GetFunctionCommand, LambdaClient, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { expect } from 'chai';
import { LOCAL_CLOUD_CREDENTIALS } from '../../local/alexa-cloud/index.js';
import { handlerZip, startTestCloud, type TestCloud } from './fakes.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

describe('alexa-cloud: IAM and Lambda through the AWS SDK', () => {
  let test: TestCloud;
  const clients = (accessKeyId: string = LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId) => {
    const config = { endpoint: test.cloud.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'whatever' }, maxAttempts: 1 };
    return { iam: new IAMClient(config), lambda: new LambdaClient(config) };
  };
  const createRole = async (name = 'ask-lambda-ride-hailer') => {
    const { iam } = clients();
    const role = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: POLICY }))).Role!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }));
    return role.Arn!;
  };
  const createFunction = async (role: string, overrides: Record<string, unknown> = {}) =>
    clients().lambda.send(new CreateFunctionCommand({ FunctionName: 'ride-hailer', Runtime: 'nodejs24.x', Handler: 'index.handler', Role: role, Code: { ZipFile: handlerZip() }, Timeout: 8, MemorySize: 512, ...overrides } as any));

  beforeEach(async () => {
    test = await startTestCloud();
  });
  afterEach(async () => {
    await test.stop();
  });

  it('creates, gets and refuses roles in IAM shapes (NoSuchEntity, EntityAlreadyExists)', async () => {
    const arn = await createRole();
    expect(arn).to.equal('arn:aws:iam::000000000000:role/ask-lambda-ride-hailer');
    const { iam } = clients();
    expect((await iam.send(new GetRoleCommand({ RoleName: 'ask-lambda-ride-hailer' }))).Role?.Arn).to.equal(arn);
    const missing = await rejection(iam.send(new GetRoleCommand({ RoleName: 'nope' })));
    expect(missing.name).to.equal('NoSuchEntityException');
    expect(missing.$metadata.httpStatusCode).to.equal(404);
    expect(missing.message).to.equal('The role with name nope cannot be found.');
    expect((await rejection(createRole())).name).to.equal('EntityAlreadyExistsException');
  });

  it('creates a function: runner first, then GetFunction reports Active/Successful with revision and code hash', async () => {
    const role = await createRole();
    const created = await createFunction(role);
    expect(created.FunctionArn).to.equal('arn:aws:lambda:us-east-1:000000000000:function:ride-hailer');
    expect(test.runner.deployed.get('ride-hailer')?.fn.timeoutSeconds).to.equal(8);
    const got = await clients().lambda.send(new GetFunctionCommand({ FunctionName: created.FunctionArn! }));
    expect(got.Configuration).to.include({ State: 'Active', LastUpdateStatus: 'Successful', Runtime: 'nodejs24.x', CodeSha256: created.CodeSha256, RevisionId: created.RevisionId });
    const missing = await rejection(clients().lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(missing.name).to.equal('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).to.equal(404);
  });

  it('refuses an unsupported runtime naming the supported ones, and a role that does not exist', async () => {
    const role = await createRole();
    const runtime = await rejection(createFunction(role, { Runtime: 'python3.12' }));
    expect(runtime.name).to.equal('InvalidParameterValueException');
    expect(runtime.message).to.contain('python3.12').and.contain('nodejs24.x, nodejs22.x, nodejs20.x');
    const noRole = await rejection(createFunction('arn:aws:iam::000000000000:role/ghost'));
    expect(noRole.message).to.equal('The role defined for the function cannot be assumed by Lambda.');
    expect(test.runner.calls).to.deep.equal([]);
  });

  it('turns a FunctionCodeError into InvalidParameterValueException and keeps the old code', async () => {
    const role = await createRole();
    const created = await createFunction(role);
    const refused = await rejection(
      clients().lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'ride-hailer', ZipFile: handlerZip({ 'main.mjs': 'export const handler = 1;' }), RevisionId: created.RevisionId })),
    );
    expect(refused.name).to.equal('InvalidParameterValueException');
    expect(refused.$metadata.httpStatusCode).to.equal(400);
    expect(refused.message).to.contain("Cannot find module 'index'");
    const after = await clients().lambda.send(new GetFunctionCommand({ FunctionName: 'ride-hailer' }));
    expect(after.Configuration?.CodeSha256).to.equal(created.CodeSha256);
    expect(after.Configuration?.RevisionId).to.equal(created.RevisionId);
    expect(test.runner.deployed.get('ride-hailer')?.files).to.deep.equal(['index.mjs']);
  });

  it('updates code and configuration, refusing a stale RevisionId with PreconditionFailedException', async () => {
    const role = await createRole();
    const created = await createFunction(role);
    const updated = await clients().lambda.send(new UpdateFunctionCodeCommand({ FunctionName: created.FunctionArn!, ZipFile: handlerZip({ 'index.js': 'exports.handler = async () => 1;' }), RevisionId: created.RevisionId }));
    expect(updated.CodeSha256).to.not.equal(created.CodeSha256);
    const stale = await rejection(clients().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ride-hailer', Timeout: 10, RevisionId: created.RevisionId })));
    expect(stale.name).to.equal('PreconditionFailedException');
    const configured = await clients().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ride-hailer', Timeout: 10, Environment: { Variables: { LOG_LEVEL: 'debug' } }, RevisionId: updated.RevisionId }));
    expect(configured.Timeout).to.equal(10);
    expect(test.runner.deployed.get('ride-hailer')?.fn.environment).to.deep.equal({ LOG_LEVEL: 'debug' });
    const reserved = await rejection(clients().lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ride-hailer', Environment: { Variables: { AWS_REGION: 'x' } } })));
    expect(reserved.message).to.contain('reserved keys').and.contain('AWS_REGION');
  });

  it('stores the Alexa permission with the skill ID as EventSourceToken and refuses a duplicate statement', async () => {
    const role = await createRole();
    const created = await createFunction(role);
    const { lambda } = clients();
    const added = await lambda.send(new AddPermissionCommand({ FunctionName: created.FunctionArn!, StatementId: '1', Action: 'lambda:InvokeFunction', Principal: 'alexa-appkit.amazon.com', EventSourceToken: 'amzn1.ask.skill.abc' }));
    expect(JSON.parse(added.Statement!)).to.deep.include({ Principal: { Service: 'alexa-appkit.amazon.com' }, Condition: { StringEquals: { 'lambda:EventSourceToken': 'amzn1.ask.skill.abc' } } });
    const duplicate = await rejection(lambda.send(new AddPermissionCommand({ FunctionName: 'ride-hailer', StatementId: '1', Action: 'lambda:InvokeFunction', Principal: 'alexa-appkit.amazon.com' })));
    expect(duplicate.name).to.equal('ResourceConflictException');
  });

  it('refuses requests without SigV4 or with another access key ID', async () => {
    const wrong = clients('AKIAOTHERKEY00000000');
    const lambdaError = await rejection(wrong.lambda.send(new GetFunctionCommand({ FunctionName: 'x' })));
    expect(lambdaError.name).to.equal('UnrecognizedClientException');
    expect(lambdaError.$metadata.httpStatusCode).to.equal(403);
    const iamError = await rejection(wrong.iam.send(new GetRoleCommand({ RoleName: 'x' })));
    expect(iamError.name).to.equal('InvalidClientTokenId'); // IAM's error code; the SDK has no modelled class for it
    const unsigned = await fetch(`${test.cloud.url}/2015-03-31/functions/x`);
    expect(unsigned.status).to.equal(403);
    expect(unsigned.headers.get('x-amzn-errortype')).to.equal('MissingAuthenticationTokenException');
  });

  it('keeps roles and functions across a restart and hands the stored code to the runner again', async () => {
    const role = await createRole();
    const created = await createFunction(role);
    test.runner.deployed.clear();
    await test.restart();
    expect(test.runner.deployed.get('ride-hailer')?.fn.codeSha256).to.equal(created.CodeSha256);
    const got = await clients().lambda.send(new GetFunctionCommand({ FunctionName: 'ride-hailer' }));
    expect(got.Configuration?.RevisionId).to.equal(created.RevisionId);
    expect((await clients().iam.send(new GetRoleCommand({ RoleName: 'ask-lambda-ride-hailer' }))).Role?.Arn).to.equal(role);
  });

  it('never logs the zip or credentials: one line per call with the function name', async () => {
    const role = await createRole();
    await createFunction(role);
    const lines = test.lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'alexa_cloud_call');
    expect(lines.find((l) => l.operation === 'CreateFunction')).to.include({ api: 'lambda', functionName: 'ride-hailer', status: 201 });
    expect(test.lines.join('\n')).to.not.contain(LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId).and.not.contain(Buffer.from(handlerZip()).toString('base64').slice(0, 24));
  });
});
