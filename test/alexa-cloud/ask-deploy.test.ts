/**
 * The real ASK CLI (ask-cli 2.30.7) runs `ask deploy` on a temporary copy of the project against the local Alexa
 * cloud, offline: it must create the skill, the IAM role and the Lambda function, and leave the cloud's manifest
 * pointing at the function. A second deploy updates the function's code in place.
 */
import { expect } from 'chai';
import { copyProject, ENVIRONMENT_PROFILE, runAsk, type ProjectCopy } from '../support/ask-cli.js';
import { startTestCloud, type TestCloud } from './fakes.js';

describe('alexa-cloud: a bare `ask deploy` (the real CLI) from a fresh copy against the local cloud', function () {
  this.timeout(240_000);
  let test: TestCloud;
  let project: ProjectCopy;

  before(async () => {
    test = await startTestCloud({ importPendingPolls: 1 });
    project = await copyProject();
    // SMAPI refuses `events.subscriptions` without `events.endpoint`, and the endpoint (the function) does not exist
    // at the first import: the subscriptions live in ask-resources.json (`skillEvents`), and the CLI writes them into
    // the manifest together with events.endpoint once the function is deployed.
    const manifest = await project.readJson('skill-package/skill.json');
    const userConfig = (await project.readJson('ask-resources.json')).profiles[ENVIRONMENT_PROFILE].skillInfrastructure.userConfig;
    expect(manifest.manifest.events, 'skill.json declares no events of its own').to.equal(undefined);
    expect(userConfig.skillEvents?.subscriptions, 'skill events configured for the CLI').to.have.members(['SKILL_ACCOUNT_LINKED', 'SKILL_ENABLED', 'SKILL_DISABLED']);
  });

  after(async () => {
    await project?.remove();
    await test?.stop();
  });

  it('creates skill, role and function, and points the manifest at the function', async () => {
    const run = await runAsk(['deploy'], { cwd: project.dir, cloudUrl: test.cloud.url });
    expect(run.timedOut, 'ask deploy timed out').to.equal(false);
    expect(run.code, `ask deploy failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);

    const states = await project.readJson('.ask/ask-states.json');
    const profile = states.profiles[ENVIRONMENT_PROFILE];
    const skillId: string = profile.skillId;
    expect(skillId).to.match(/^amzn1\.ask\.skill\.[0-9a-f-]{36}$/);
    const deployState = profile.skillInfrastructure['@ask-cli/lambda-deployer'].deployState.default;
    const arn: string = deployState.lambda.arn;
    expect(arn).to.match(/^arn:aws:lambda:us-east-1:\d{12}:function:ask-/);
    expect(deployState.iamRole).to.match(/^arn:aws:iam::\d{12}:role\/ask-lambda-/);

    const view = test.cloud.skills.get(skillId, 'development');
    expect(view, 'the cloud knows the skill').to.not.equal(undefined);
    const manifest = view!.manifest as any;
    expect(manifest.apis.custom.endpoint.uri).to.equal(arn);
    expect(manifest.events.endpoint.uri).to.equal(arn);
    expect(manifest.events.subscriptions.map((s: any) => s.eventName)).to.have.members(['SKILL_ACCOUNT_LINKED', 'SKILL_ENABLED', 'SKILL_DISABLED']);
    expect(Object.keys(view!.interactionModels)).to.have.members(['en-US', 'en-GB', 'de-DE']);
    expect(view!.enabled).to.equal(true);

    const name = arn.split(':').pop()!;
    const deployed = test.runner.deployed.get(name);
    expect(deployed?.fn.runtime).to.equal('nodejs24.x');
    expect(deployed?.fn.handler).to.equal('index.handler');
    expect(deployed?.files).to.include('index.mjs');

    const operations = test.lines.map((line) => JSON.parse(line)).filter((l) => l.event === 'alexa_cloud_call').map((l) => `${l.api}:${l.operation}`);
    for (const op of ['smapi:createUpload', 'upload:uploadSkillPackage', 'smapi:importSkillPackage', 'smapi:getImportStatus', 'iam:CreateRole', 'iam:AttachRolePolicy', 'lambda:CreateFunction', 'lambda:AddPermission', 'smapi:updateManifest', 'smapi:getSkillEnablement', 'smapi:enableSkill']) {
      expect(operations, op).to.include(op);
    }
  });

  it('deploys again: the role is looked up and the code updated in place', async () => {
    const calls = test.lines.length;
    const before = test.runner.calls.length;
    const run = await runAsk(['deploy', '--ignore-hash'], { cwd: project.dir, cloudUrl: test.cloud.url });
    expect(run.code, `second ask deploy failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
    const operations = test.lines.slice(calls).map((line) => JSON.parse(line)).filter((l) => l.event === 'alexa_cloud_call').map((l) => `${l.api}:${l.operation}:${l.status}`);
    expect(operations).to.include('iam:GetRole:200');
    expect(operations).to.include('lambda:UpdateFunctionCode:200');
    expect(operations).to.include('lambda:UpdateFunctionConfiguration:200');
    expect(operations.some((op) => op.startsWith('lambda:CreateFunction'))).to.equal(false);
    expect(test.runner.calls.slice(before).some((c) => c.startsWith('deploy '))).to.equal(true);
  });
});
