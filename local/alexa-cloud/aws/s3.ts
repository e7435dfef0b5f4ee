/**
 * S3, the calls that put a deployment package where CloudFormation's AWS::Lambda::Function can take it: HeadBucket,
 * CreateBucket, PutObject, HeadObject, GetObject — path-style (`/<bucket>/<key>`, the SDK's `forcePathStyle`), REST-XML
 * errors. Requests are told apart from SMAPI's by their SigV4 credential scope (service `s3`). Objects are blobs
 * under dataDir/s3/; no versioning, ACLs, multipart uploads or listing.
 */
import { createHash, randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { noteCall } from '../log.js';
import type { StateStore } from '../state/store.js';
import { AwsError, xmlEscape } from './errors.js';
import { authenticate, signedService } from './sigv4.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Lambda takes zips up to 50 MB from S3 in this cloud (the same limit as a direct upload). */
const MAX_OBJECT_BYTES = 60 * 1024 * 1024;

export interface S3Options {
  accessKeyId: string;
  now: () => number;
}

function sendS3Error(req: Request, res: Response, error: AwsError): void {
  noteCall(res, { outcome: error.code });
  res.status(error.status).set('x-amz-request-id', randomUUID());
  // HEAD answers carry no body: the SDK reads the status (404 → NotFound).
  if (req.method === 'HEAD') return void res.end();
  res.type('application/xml').send(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
}

/** Reads an object stored by this cloud (for AWS::Lambda::Function's Code.S3Bucket/S3Key); undefined when absent. */
export function readObject(store: StateStore, bucket: string, key: string): Uint8Array | undefined {
  const object = store.current.buckets[bucket]?.objects[key];
  return object ? store.readBlob(store.objectPath(object.blob)) : undefined;
}

export function s3Routes(store: StateStore, options: S3Options): Router {
  const router = Router();
  const s3 = Router();
  router.use((req, res, next) => (signedService(req) === 's3' ? s3(req, res, next) : next()));

  s3.use(express.raw({ type: () => true, limit: MAX_OBJECT_BYTES }));
  s3.all('/{*path}', (req, res) => {
    const [bucket = '', ...rest] = req.path.slice(1).split('/');
    const key = rest.map((part) => decodeURIComponent(part)).join('/');
    const operation = bucketOperation(req.method, key !== '');
    noteCall(res, { api: 's3', operation, bucket });
    try {
      authenticate(req, options.accessKeyId, { missing: 'AccessDenied', invalid: 'InvalidAccessKeyId' });
      const existing = store.current.buckets[bucket];
      const needBucket = () => {
        if (!existing) throw new AwsError(404, 'NoSuchBucket', 'The specified bucket does not exist');
        return existing;
      };
      switch (operation) {
        case 'HeadBucket':
          needBucket();
          return void res.status(200).end();
        case 'CreateBucket': {
          if (!BUCKET_NAME.test(bucket)) throw new AwsError(400, 'InvalidBucketName', 'The specified bucket is not valid.');
          if (existing) throw new AwsError(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
          store.update((state) => {
            state.buckets[bucket] = { name: bucket, createdAt: new Date(options.now()).toISOString(), objects: {} };
          });
          return void res.status(200).set('location', `/${bucket}`).end();
        }
        case 'PutObject': {
          needBucket();
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          if (/aws-chunked/.test(req.get('content-encoding') ?? '')) throw new AwsError(501, 'NotImplemented', 'The local cloud takes plain (not aws-chunked) uploads.');
          const etag = `"${createHash('md5').update(body).digest('hex')}"`;
          const blob = randomUUID();
          store.writeBlob(store.objectPath(blob), body);
          const previous = existing!.objects[key]?.blob;
          store.update((state) => {
            state.buckets[bucket]!.objects[key] = { size: body.length, etag, lastModified: new Date(options.now()).toUTCString(), blob };
          });
          if (previous) store.removeBlob(store.objectPath(previous));
          return void res.status(200).set('etag', etag).end();
        }
        case 'HeadObject':
        case 'GetObject': {
          const object = needBucket().objects[key];
          if (!object) throw new AwsError(404, 'NoSuchKey', 'The specified key does not exist.');
          res.set({ etag: object.etag, 'last-modified': object.lastModified, 'content-length': String(object.size), 'content-type': 'application/octet-stream' });
          if (operation === 'HeadObject') return void res.status(200).end();
          return void res.status(200).end(Buffer.from(store.readBlob(store.objectPath(object.blob)) ?? new Uint8Array()));
        }
        default:
          throw new AwsError(501, 'NotImplemented', `${req.method} ${key ? 'object' : 'bucket'} is not implemented by the local cloud's S3 (it has HeadBucket, CreateBucket, PutObject, HeadObject, GetObject).`);
      }
    } catch (error) {
      if (error instanceof AwsError) return sendS3Error(req, res, error);
      throw error;
    }
  });
  s3.use(((error, req, res, next) => {
    if (res.headersSent) return next(error);
    if ((error as { status?: number }).status === 413) return sendS3Error(req, res, new AwsError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'));
    next(error);
  }) as express.ErrorRequestHandler);
  return router;
}

function bucketOperation(method: string, hasKey: boolean): string {
  if (!hasKey) return method === 'HEAD' ? 'HeadBucket' : method === 'PUT' ? 'CreateBucket' : `${method}Bucket`;
  return method === 'PUT' ? 'PutObject' : method === 'HEAD' ? 'HeadObject' : method === 'GET' ? 'GetObject' : `${method}Object`;
}
