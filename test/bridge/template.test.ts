/**
 * The bridge's CloudFormation template (bridge/deploy/template.json) against AWS's published resource specification
 * (@aws-cdk/aws-service-spec), and against the code it deploys: the table the store expects, a role that grants
 * exactly what the bridge calls, a Function URL with both public permissions Lambda now requires.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { PARTITION_KEY, TTL_ATTRIBUTE } from '../../bridge/store/dynamodb.js';
import { awsResourceSpecification, checkTemplate, type Template } from '../../local/alexa-cloud/cloudformation/spec.js';

const readJson = (path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));

describe('bridge: the CloudFormation template', function () {
  this.timeout(30_000); // the specification database takes about a second to load
  const template = readJson('bridge/deploy/template.json') as Template;
  let db: SpecDatabase;
  before(async () => {
    db = await awsResourceSpecification();
  });

  it('conforms to AWS\'s resource specification: types, properties, required ones, Ref and Fn::GetAtt targets', () => {
    expect(checkTemplate(db, template)).to.deep.equal([]);
  });

  describe('the checker finds what CloudFormation would refuse', () => {
    const variant = (change: (t: Template) => void) => {
      const copy = structuredClone(template);
      change(copy);
      return checkTemplate(db, copy);
    };
    it('an unknown resource type', () => {
      expect(variant((t) => (t.Resources.Table!.Type = 'AWS::DynamoDB::Tabel'))).to.deep.equal(['Resources.Table: AWS::DynamoDB::Tabel is not a CloudFormation resource type']);
    });
    it('an unknown property, nested too', () => {
      const problems = variant((t) => {
        t.Resources.Function!.Properties!.Memory = 512;
        (t.Resources.Function!.Properties!.Code as Record<string, unknown>).Bucket = 'x';
      });
      expect(problems).to.have.length(2);
      expect(problems.some((p) => /^Resources\.Function\.Properties: unknown property Memory \(known: .*MemorySize/.test(p))).to.equal(true);
      expect(problems.some((p) => /^Resources\.Function\.Properties\.Code: unknown property Bucket/.test(p))).to.equal(true);
    });
    it('a missing required property', () => {
      expect(variant((t) => delete t.Resources.FunctionUrl!.Properties!.AuthType)).to.deep.equal(['Resources.FunctionUrl.Properties: required property AuthType is missing']);
    });
    it('a value of the wrong type or outside the allowed values', () => {
      expect(variant((t) => (t.Resources.Function!.Properties!.Timeout = 'ten'))).to.deep.equal(['Resources.Function.Properties.Timeout: expected an integer, got string "ten"']);
      expect(variant((t) => (t.Resources.FunctionUrl!.Properties!.AuthType = 'PUBLIC'))).to.deep.equal(['Resources.FunctionUrl.Properties.AuthType: "PUBLIC" is not one of AWS_IAM, NONE']);
      expect(variant((t) => (t.Resources.FunctionInvokePermission!.Properties!.InvokedViaFunctionUrl = 'yes'))).to.deep.equal([
        'Resources.FunctionInvokePermission.Properties.InvokedViaFunctionUrl: expected a boolean, got string "yes"',
      ]);
    });
    it('a Ref or Fn::GetAtt that names nothing', () => {
      expect(variant((t) => (t.Resources.Function!.Properties!.Role = { 'Fn::GetAtt': ['Role', 'RoleArn'] }))[0]).to.match(/Fn::GetAtt Role\.RoleArn: AWS::IAM::Role has no attribute RoleArn/);
      expect(variant((t) => (t.Resources.Function!.Properties!.Code = { S3Bucket: { Ref: 'Bucket' }, S3Key: { Ref: 'CodeKey' } }))).to.deep.equal([
        'Resources.Function.Properties.Code.S3Bucket: Ref Bucket names no parameter, resource or pseudo parameter',
      ]);
      expect(variant((t) => (t.Resources.LogGroup!.Properties!.LogGroupName = { 'Fn::Sub': '/aws/lambda/${Stack}' }))).to.deep.equal([
        'Resources.LogGroup.Properties.LogGroupName: Ref Stack names no parameter, resource or pseudo parameter',
      ]);
    });
  });

  it('the table is the one the store expects: key pk, TTL on ttl, on demand (as bridge/deploy/dynamodb-table.json)', () => {
    const table = template.Resources.Table!.Properties!;
    const standalone = readJson('bridge/deploy/dynamodb-table.json').Resources.BridgeTable.Properties;
    expect(table.KeySchema).to.deep.equal([{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }]);
    expect(table.TimeToLiveSpecification).to.deep.equal({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    const { TableName: _name, ...rest } = standalone;
    expect(table).to.deep.equal(rest);
  });

  it('the rate limits\' table is the one bridge/rate-limits-dynamodb.ts counts in, and the function is told its name', () => {
    const { TableName: _name, ...standalone } = readJson('bridge/deploy/dynamodb-table.json').Resources.RateLimitTable.Properties;
    expect(template.Resources.RateLimitTable!.Properties).to.deep.equal(standalone);
    const variables = (template.Resources.Function!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    // CloudFormation names the tables, so the bridge's default (<table>-rate-limits) would not find it.
    expect(variables.BRIDGE_DYNAMODB_RATE_LIMIT_TABLE).to.deep.equal({ Ref: 'RateLimitTable' });
  });

  it('the role grants only the store\'s DynamoDB actions on its table, the secret, and its own log group', () => {
    const [policy] = template.Resources.Role!.Properties!.Policies as Array<{ PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown }> } }>;
    const statements = policy!.PolicyDocument.Statement.map(({ Action, Resource }) => ({ Action, Resource }));
    const [store, rateLimits] = readJson('bridge/deploy/iam-policy.json').Statement as Array<{ Action: string[] }>;
    expect(statements).to.deep.equal([
      { Action: store!.Action, Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } },
      { Action: rateLimits!.Action, Resource: { 'Fn::GetAtt': ['RateLimitTable', 'Arn'] } },
      { Action: ['secretsmanager:GetSecretValue'], Resource: { Ref: 'SecretsArn' } },
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': ['LogGroup', 'Arn'] } },
    ]);
    expect(JSON.stringify(template)).not.to.match(/"Resource":\s*"\*"|Managed?PolicyArns/);
  });

  it('a public Function URL with both permissions Lambda requires since October 2025', () => {
    expect(template.Resources.FunctionUrl!.Properties).to.deep.include({ AuthType: 'NONE' });
    const permissions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission').map((r) => r.Properties);
    expect(permissions).to.deep.include.members([
      { FunctionName: { Ref: 'Function' }, Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' },
      { FunctionName: { Ref: 'Function' }, Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true },
    ]);
  });

  it('no secret is a parameter: the function gets the secret\'s ARN, never a value', () => {
    const variables = (template.Resources.Function!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    for (const secret of ['BRIDGE_KEY', 'BRIDGE_CLIENT_SECRET', 'BRIDGE_UPSTREAM_CLIENT_SECRET']) expect(variables).not.to.have.property(secret);
    expect(variables.BRIDGE_SECRETS_ARN).to.deep.equal({ Ref: 'SecretsArn' });
    expect(Object.keys(template.Parameters ?? {}).filter((name) => /secret(?!sarn|sversion)|key$/i.test(name) && name !== 'CodeKey')).to.deep.equal([]);
    expect(template.Resources.Function!.Properties).to.deep.include({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
  });
});
