/**
 * The Lambda API (REST-JSON under /2015-03-31/functions), the operations the ASK CLI's lambda deployer calls:
 * CreateFunction, GetFunction, AddPermission, UpdateFunctionCode, UpdateFunctionConfiguration — plus
 * GetFunctionConfiguration and GetPolicy, which cost nothing and help when looking at the cloud by hand.
 * The rules live in ../functions.ts.
 */
import express, { Router, type Request, type Response } from 'express';
import { noteCall } from '../log.js';
import { functionConfiguration, type Functions } from '../functions.js';
import { AwsError, sendLambdaError } from './errors.js';
import { authenticate, type Caller } from './sigv4.js';

export interface LambdaOptions {
  accessKeyId: string;
}

const BASE = '/2015-03-31/functions';
/** A 50 MB zip is ~67 MB as base64 inside JSON. */
const BODY_LIMIT = '70mb';

export function lambdaRoutes(functions: Functions, options: LambdaOptions): Router {
  const router = Router();
  router.use(BASE, express.json({ limit: BODY_LIMIT, type: () => true }));

  const handle =
    (operation: string, work: (req: Request, res: Response, caller: Caller) => Promise<void> | void) =>
    async (req: Request, res: Response) => {
      const name = req.params.name as string | undefined;
      noteCall(res, { api: 'lambda', operation, ...(name ? { functionName: name.replace(/^.*:function:/, '').split(':')[0] } : {}) });
      try {
        const caller = authenticate(req, options.accessKeyId, { missing: 'MissingAuthenticationTokenException', invalid: 'UnrecognizedClientException' });
        await work(req, res, caller);
      } catch (error) {
        if (error instanceof AwsError) return sendLambdaError(res, error);
        throw error;
      }
    };

  router.post(
    BASE,
    handle('CreateFunction', async (req, res, caller) => {
      const fn = await functions.create(req.body ?? {}, caller.region);
      noteCall(res, { functionName: fn.name });
      res.status(201).json(functionConfiguration(fn));
    }),
  );

  router.get(
    `${BASE}/:name`,
    handle('GetFunction', (req, res) => {
      const fn = functions.resolve(req.params.name as string);
      res.json({ Configuration: functionConfiguration(fn), Code: { RepositoryType: 'S3', Location: `${req.protocol}://${req.get('host')}/_code/${fn.name}` } });
    }),
  );

  router.get(
    `${BASE}/:name/configuration`,
    handle('GetFunctionConfiguration', (req, res) => {
      res.json(functionConfiguration(functions.resolve(req.params.name as string)));
    }),
  );

  router.put(
    `${BASE}/:name/code`,
    handle('UpdateFunctionCode', async (req, res) => {
      const fn = await functions.updateCode(req.params.name as string, req.body ?? {});
      res.json(functionConfiguration(fn));
    }),
  );

  router.put(
    `${BASE}/:name/configuration`,
    handle('UpdateFunctionConfiguration', async (req, res) => {
      const fn = await functions.updateConfiguration(req.params.name as string, req.body ?? {});
      res.json(functionConfiguration(fn));
    }),
  );

  router.post(
    `${BASE}/:name/policy`,
    handle('AddPermission', (req, res) => {
      const permission = functions.addPermission(req.params.name as string, req.body ?? {});
      const statement = {
        Sid: permission.statementId,
        Effect: 'Allow',
        Principal: { Service: permission.principal },
        Action: permission.action,
        Resource: permission.resource,
        ...(permission.eventSourceToken ? { Condition: { StringEquals: { 'lambda:EventSourceToken': permission.eventSourceToken } } } : {}),
      };
      res.status(201).json({ Statement: JSON.stringify(statement) });
    }),
  );

  router.get(
    `${BASE}/:name/policy`,
    handle('GetPolicy', (req, res) => {
      const fn = functions.resolve(req.params.name as string);
      if (fn.permissions.length === 0) throw new AwsError(404, 'ResourceNotFoundException', 'The resource you requested does not exist.');
      const Statement = fn.permissions.map((p) => ({
        Sid: p.statementId,
        Effect: 'Allow',
        Principal: { Service: p.principal },
        Action: p.action,
        Resource: fn.arn,
        ...(p.eventSourceToken ? { Condition: { StringEquals: { 'lambda:EventSourceToken': p.eventSourceToken } } } : {}),
      }));
      res.json({ Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement }), RevisionId: fn.revisionId });
    }),
  );

  router.all(
    `${BASE}{/*rest}`,
    handle('Unsupported', (req) => {
      throw new AwsError(400, 'InvalidRequestContentException', `${req.method} ${req.path} is not implemented by the local Alexa cloud.`);
    }),
  );

  // Body-parser failures (malformed JSON, too large) in Lambda's shape.
  router.use(BASE, ((error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: number }).status;
    if (status === 413) return sendLambdaError(res, new AwsError(413, 'RequestEntityTooLargeException', 'Request must be smaller than 70167211 bytes for the CreateFunction operation'));
    if (status === 400) return sendLambdaError(res, new AwsError(400, 'InvalidRequestContentException', 'Could not parse request body into json.'));
    next(error);
  }) as express.ErrorRequestHandler);
  return router;
}
