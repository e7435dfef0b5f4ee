/**
 * DynamoDB for the stacks' AWS::DynamoDB::Table resources: dynalite (a DynamoDB-compatible server, in memory; its own
 * loopback port serves the cloud's CreateTable), and the cloud's endpoint handing every
 * `X-Amz-Target: DynamoDB_20120810.*` call to dynalite's request handler — so a deployed function whose SDK points at
 * the cloud (AWS_ENDPOINT_URL) reaches its table as on AWS. TTL deletions,
 * point-in-time recovery and encryption settings are accepted and not emulated; items do not survive a restart of
 * the cloud (the tables are created again, empty).
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { noteCall } from '../log.js';
import { target } from './json-protocol.js';

/** dynalite takes any credentials; these never leave loopback. */
const CREDENTIALS = { accessKeyId: 'local-alexa-cloud-dynamodb', secretAccessKey: 'local-alexa-cloud-dynamodb' };

export class LocalTables {
  private server: Server | undefined;
  private started: Promise<string> | undefined;

  /** dynalite's endpoint, started on first use. */
  endpoint(): Promise<string> {
    this.started ??= (async () => {
      const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      this.server = server;
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    })();
    return this.started;
  }

  /** CreateTable with a stack's definition (an existing table of that name is kept). */
  async create(definition: CreateTableCommandInput): Promise<void> {
    const client = new DynamoDBClient({ endpoint: await this.endpoint(), region: 'us-east-1', credentials: CREDENTIALS });
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    } finally {
      client.destroy();
    }
  }

  /**
   * Hands DynamoDB's JSON-protocol calls to dynalite's own request handler, in this process: the request as it came
   * (dynalite reads its body, target and headers), the answer written by dynalite. Not forwarded over a second
   * loopback connection: that hop was the cloud's cost on every store call of a deployed bridge, which DynamoDB's
   * own endpoint does not have.
   */
  routes(): Router {
    const router = Router();
    router.post('/', (req: Request, res: Response, next: NextFunction) => {
      const [prefix, operation] = target(req) ?? [];
      if (prefix !== 'DynamoDB_20120810') return next();
      noteCall(res, { api: 'dynamodb', operation: operation ?? 'unknown' });
      void this.endpoint().then(() => {
        const handle = this.server!.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
        handle(req, res);
      }, next);
    });
    return router;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
