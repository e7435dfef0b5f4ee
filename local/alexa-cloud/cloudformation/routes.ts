/**
 * CloudFormation's API (Query protocol, version 2010-05-15: form-encoded `POST /` with `Action=…`, XML answers) —
 * the calls a deploy makes: CreateStack, UpdateStack, DeleteStack, DescribeStacks, DescribeStackEvents,
 * DescribeStackResources, GetTemplate. Told apart from IAM's form posts by the SigV4 credential scope (service `cloudformation`). The rules
 * live in ../cloudformation/stacks.ts.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { noteCall } from '../log.js';
import type { StackInput, Stacks } from './stacks.js';
import type { StackRecord } from '../state/store.js';
import { AwsError, xmlEscape } from '../aws/errors.js';
import { authenticate, signedService } from '../aws/sigv4.js';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

function respond(res: Response, action: string, result: string): void {
  res.type('text/xml').send(`<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`);
}

function sendError(res: Response, error: AwsError): void {
  noteCall(res, { outcome: error.code });
  res
    .status(error.status)
    .type('text/xml')
    .send(`<ErrorResponse xmlns="${NS}"><Error><Type>${error.type}</Type><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
}

const x = (name: string, value: string | undefined) => (value === undefined ? '' : `<${name}>${xmlEscape(value)}</${name}>`);

/** `Prefix.member.N.Field` form fields → a list of records. */
function members(params: Record<string, string>, prefix: string): Array<Record<string, string>> {
  const byIndex = new Map<number, Record<string, string>>();
  const pattern = new RegExp(`^${prefix.replace('.', '\\.')}\\.member\\.(\\d+)(?:\\.(\\w+))?$`);
  for (const [key, value] of Object.entries(params)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const entry = byIndex.get(Number(match[1])) ?? {};
    entry[match[2] ?? ''] = value;
    byIndex.set(Number(match[1]), entry);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
}

function stackXml(stack: StackRecord): string {
  const parameters = Object.entries(stack.parameters).map(([key, value]) => `<member>${x('ParameterKey', key)}${x('ParameterValue', value)}</member>`).join('');
  const outputs = Object.entries(stack.outputs).map(([key, output]) => `<member>${x('OutputKey', key)}${x('OutputValue', output.value)}${x('Description', output.description)}</member>`).join('');
  return (
    `<member>${x('StackName', stack.stackName)}${x('StackId', stack.stackId)}${x('StackStatus', stack.status)}${x('StackStatusReason', stack.statusReason)}` +
    `${x('CreationTime', stack.createdAt)}${x('LastUpdatedTime', stack.updatedAt)}<Parameters>${parameters}</Parameters><Outputs>${outputs}</Outputs>` +
    `<Capabilities><member>CAPABILITY_IAM</member></Capabilities><DisableRollback>false</DisableRollback></member>`
  );
}

export function cloudFormationRoutes(stacks: Stacks, options: { accessKeyId: string }): Router {
  const router = Router();
  const ours = (req: Request, _res: Response, next: NextFunction) => next(signedService(req) === 'cloudformation' ? undefined : 'route');
  router.post('/', ours, express.urlencoded({ extended: false, limit: '2mb' }), async (req, res) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const action = params.Action ?? '';
    noteCall(res, { api: 'cloudformation', operation: action || 'unknown', ...(params.StackName ? { stackName: params.StackName } : {}) });
    try {
      const caller = authenticate(req, options.accessKeyId, { missing: 'MissingAuthenticationToken', invalid: 'InvalidClientTokenId' });
      const stackInput = (): StackInput => {
        if (params.TemplateURL) throw new AwsError(400, 'ValidationError', 'TemplateURL is not emulated by the local cloud: pass TemplateBody.');
        return {
          stackName: params.StackName ?? '',
          ...(params.TemplateBody === undefined ? {} : { templateBody: params.TemplateBody }),
          usePreviousTemplate: params.UsePreviousTemplate === 'true',
          parameters: members(params, 'Parameters').map((p) => ({ key: p.ParameterKey ?? '', ...(p.ParameterValue === undefined ? {} : { value: p.ParameterValue }), usePreviousValue: p.UsePreviousValue === 'true' })),
          capabilities: members(params, 'Capabilities').map((c) => c[''] ?? ''),
          region: caller.region,
        };
      };
      switch (action) {
        case 'CreateStack':
          return respond(res, action, x('StackId', (await stacks.create(stackInput())).stackId));
        case 'UpdateStack':
          return respond(res, action, x('StackId', (await stacks.update(stackInput())).stackId));
        case 'DescribeStacks': {
          const list = params.StackName ? [stacks.find(params.StackName)] : stacks.list();
          return respond(res, action, `<Stacks>${list.map(stackXml).join('')}</Stacks>`);
        }
        case 'DescribeStackEvents': {
          const stack = stacks.find(params.StackName ?? '');
          const events = stack.events
            .map((e) => `<member>${x('StackId', stack.stackId)}${x('EventId', e.eventId)}${x('StackName', stack.stackName)}${x('LogicalResourceId', e.logicalId)}${x('PhysicalResourceId', e.physicalId)}${x('ResourceType', e.type)}${x('Timestamp', e.timestamp)}${x('ResourceStatus', e.status)}${x('ResourceStatusReason', e.reason)}</member>`)
            .join('');
          return respond(res, action, `<StackEvents>${events}</StackEvents>`);
        }
        case 'DescribeStackResources': {
          const stack = stacks.find(params.StackName ?? '');
          const resources = Object.values(stack.resources)
            .map((r) => `<member>${x('StackName', stack.stackName)}${x('StackId', stack.stackId)}${x('LogicalResourceId', r.logicalId)}${x('PhysicalResourceId', r.physicalId)}${x('ResourceType', r.type)}${x('Timestamp', r.updatedAt)}${x('ResourceStatus', r.status)}</member>`)
            .join('');
          return respond(res, action, `<StackResources>${resources}</StackResources>`);
        }
        case 'DeleteStack':
          await stacks.delete(params.StackName ?? '');
          return respond(res, action, '');
        case 'GetTemplate':
          return respond(res, action, x('TemplateBody', stacks.find(params.StackName ?? '').templateBody));
        default:
          throw new AwsError(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-15 (the local cloud implements CreateStack, UpdateStack, DeleteStack, DescribeStacks, DescribeStackEvents, DescribeStackResources, GetTemplate).`);
      }
    } catch (error) {
      if (error instanceof AwsError) return sendError(res, error);
      throw error;
    }
  });
  return router;
}
