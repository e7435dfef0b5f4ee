/**
 * The Alexa trigger as Lambda enforces it: a function whose permission for principal alexa-appkit.amazon.com carries
 * EventSourceToken = skill A is invoked for skill A only. On Lambda that permission is the skill check when the
 * function leaves ALEXA_SKILL_ID unset (lambda/lambda-handler.ts), so the local cloud must refuse the invocation for
 * another skill — here skill B, created with a manifest that already names A's function (a new skill's import is
 * not checked against the trigger, as the function usually does not exist yet) — and the function never sees it.
 * Real HTTP throughout: SMAPI as the CLI calls it, IAM and Lambda through the AWS SDK clients the CLI uses, the
 * simulations route as `ask dialog` calls it.
 */
import { readFileSync } from 'node:fs';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RequestEnvelope } from 'ask-sdk-model';
import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
import type { FunctionDefinition, FunctionRunner, InvocationResult } from '../../local/alexa-cloud/contracts.js';
import { LOCAL_CLOUD_CREDENTIALS } from '../../local/alexa-cloud/index.js';
import { createSimulationsRouter, SKILL_PROBLEM_CAPTION } from '../../local/alexa-cloud/simulations.js';
import { FakeRunner, handlerZip, startTestCloud, type TestCloud } from './fakes.js';

const PACKAGE = new URL('../../skill-package/', import.meta.url);
const LOCALES = ['en-US', 'en-GB', 'de-DE'];
const AUTH = { authorization: LOCAL_CLOUD_CREDENTIALS.accessToken };
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** The fake runner's deploys, and an answer for every invocation naming the skill it was sent for (recorded). */
class AnsweringRunner implements FunctionRunner {
  readonly invoked: string[] = [];
  private readonly deploys = new FakeRunner();
  deploy = (fn: FunctionDefinition, zip: Uint8Array) => this.deploys.deploy(fn, zip);
  configure = (fn: FunctionDefinition) => this.deploys.configure(fn);
  close = async () => {};
  async invoke(_name: string, event: unknown): Promise<InvocationResult> {
    const skillId = (event as RequestEnvelope).context.System.application.applicationId;
    this.invoked.push(skillId);
    return { ok: true, payload: { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: `answered for ${skillId}` }, shouldEndSession: true } }, durationMs: 1 };
  }
}

function skillPackage(endpoint?: string): Uint8Array {
  const read = (path: string) => JSON.parse(readFileSync(new URL(path, PACKAGE), 'utf8'));
  const manifest = read('skill.json');
  delete manifest.manifest.events;
  if (endpoint) manifest.manifest.apis.custom.endpoint = { uri: endpoint };
  const files: Record<string, Uint8Array> = { 'skill.json': strToU8(JSON.stringify(manifest)) };
  for (const locale of LOCALES) files[`interactionModels/custom/${locale}.json`] = strToU8(readFileSync(new URL(`interactionModels/custom/${locale}.json`, PACKAGE), 'utf8'));
  return zipSync(files);
}

describe('alexa-cloud: the Alexa trigger (EventSourceToken) on every invocation', () => {
  let test: TestCloud;
  const runner = new AnsweringRunner();

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${test.cloud.url}${path}`, {
      method,
      headers: { ...AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  const createSkill = async (endpoint?: string): Promise<string> => {
    const upload = await call('POST', '/v1/skills/uploads');
    await fetch(upload.body.uploadUrl, { method: 'PUT', body: Buffer.from(skillPackage(endpoint)) });
    const started = await call('POST', '/v1/skills/imports', { location: upload.body.uploadUrl, vendorId: LOCAL_CLOUD_CREDENTIALS.vendorId });
    const status = await call('GET', `/v1/skills/imports/${started.headers.get('location')!.split('/').pop()}`);
    expect(status.body.status, JSON.stringify(status.body)).to.equal('SUCCEEDED');
    return status.body.skill.skillId;
  };

  /** One `ask dialog` turn: POST a simulation, then GET its result. */
  const simulate = async (skillId: string) => {
    const started = await call('POST', `/v2/skills/${skillId}/stages/development/simulations`, { input: { content: 'open ride hailer' }, device: { locale: 'en-US' }, session: { mode: 'FORCE_NEW_SESSION' } });
    expect(started.status).to.equal(200);
    return (await call('GET', `/v2/skills/${skillId}/stages/development/simulations/${started.body.id}`)).body;
  };

  before(async () => {
    test = await startTestCloud({
      runner,
      importPendingPolls: 0,
      routes: ({ skills, alexaTriggerProblem }) => [createSimulationsRouter({ skills, runner, alexaTriggerProblem, pollWaitMs: 5000 })],
    });
  });
  after(() => test.stop());

  it("invokes the function for the skill its trigger names, and refuses another skill's request before the function sees it", async () => {
    const config = { endpoint: test.cloud.url, region: 'us-east-1', credentials: { accessKeyId: LOCAL_CLOUD_CREDENTIALS.awsAccessKeyId, secretAccessKey: 'whatever' }, maxAttempts: 1 };
    const iam = new IAMClient(config);
    const lambda = new LambdaClient(config);
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'ask-lambda-ride-hailer', AssumeRolePolicyDocument: POLICY }))).Role!.Arn!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'ask-lambda-ride-hailer', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }));
    const arn = (await lambda.send(new CreateFunctionCommand({ FunctionName: 'ride-hailer', Runtime: 'nodejs24.x', Handler: 'index.handler', Role: role, Code: { ZipFile: handlerZip() } }))).FunctionArn!;

    // Skill A, deployed as ask-cli does: the skill, the trigger for its ID, then the manifest's endpoint.
    const skillA = await createSkill();
    await lambda.send(new AddPermissionCommand({ FunctionName: arn, StatementId: 'ask', Action: 'lambda:InvokeFunction', Principal: 'alexa-appkit.amazon.com', EventSourceToken: skillA }));
    const manifest = (await call('GET', `/v1/skills/${skillA}/stages/development/manifest`)).body;
    manifest.manifest.apis.custom.endpoint = { uri: arn };
    expect((await call('PUT', `/v1/skills/${skillA}/stages/development/manifest`, manifest)).status).to.equal(202);
    expect((await call('PUT', `/v1/skills/${skillA}/stages/development/enablement`)).status).to.equal(204);

    // Skill B names the same function from its first import.
    const skillB = await createSkill(arn);
    expect((await call('PUT', `/v1/skills/${skillB}/stages/development/enablement`)).status).to.equal(204);

    const answered = await simulate(skillA);
    expect(answered.result.alexaExecutionInfo.alexaResponses[0].content.caption).to.equal(`answered for ${skillA}`);

    const refused = await simulate(skillB);
    expect(refused.result.alexaExecutionInfo.alexaResponses).to.deep.equal([{ type: 'Speech', content: { caption: SKILL_PROBLEM_CAPTION } }]);
    expect(refused.result.error.message).to.contain('AccessDeniedException').and.to.contain(`EventSourceToken "${skillB}"`);
    expect(refused.result.skillExecutionInfo.invocations).to.have.length(1);
    expect(refused.result.skillExecutionInfo.invocations[0].invocationResponse).to.equal(null);
    expect(runner.invoked).to.deep.equal([skillA]);
  });
});
