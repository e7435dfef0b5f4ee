/**
 * A small upstream token endpoint for the rotation and fault tests: RFC 6749 JSON, rotating refresh tokens with
 * reuse detection (a rotated-away token presented again revokes the family, as auth0 does), and switches for the
 * faults (hang, a status, garbage, down).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'none' | 'hang' | 'status500' | 'status429' | 'garbage';

export interface FakeTokenEndpoint {
  url: string;
  tokenUrl: string;
  authorizationUrl: string;
  /** Refresh grants that produced a rotation. */
  rotations: number;
  /** Every token request received. */
  requests: { grant: string; body: URLSearchParams; authorization: string | undefined }[];
  fault: Fault;
  /** Delay of every answer (ms), to make concurrent refreshes overlap. */
  delayMs: number;
  /** The refresh token the endpoint accepts now. */
  current: string | undefined;
  /** Set when a rotated-away token was presented: every token of the family is then refused. */
  familyRevoked: boolean;
  /** Forget the latest rotation (an upstream that handed out a token it then did not keep): the previous one is current again. */
  forgetLatestRotation(): void;
  /** Stops listening (the port is then closed) and starts again on the same port. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeTokenEndpoint(options: { rotate?: boolean; expiresIn?: number } = {}): Promise<FakeTokenEndpoint> {
  const rotate = options.rotate ?? true;
  let serial = 0;
  let previous: string | undefined;
  const retired = new Set<string>();
  const hanging = new Set<ServerResponse>();

  const fake: FakeTokenEndpoint = {
    url: '',
    tokenUrl: '',
    authorizationUrl: '',
    rotations: 0,
    requests: [],
    fault: 'none',
    delayMs: 0,
    current: undefined,
    familyRevoked: false,
    forgetLatestRotation() {
      if (previous === undefined || fake.current === undefined) return;
      retired.delete(previous);
      fake.current = previous;
      previous = undefined;
    },
    stop: () => closeServer(),
    restart: () => listen(port),
    close: () => closeServer(),
  };

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const issue = (res: ServerResponse) => {
    serial += 1;
    const body: Record<string, unknown> = { access_token: `fake-at-${serial}-${Math.random().toString(36).slice(2)}`, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600 };
    if (rotate || fake.current === undefined) {
      if (fake.current !== undefined) {
        previous = fake.current;
        retired.add(fake.current);
      }
      fake.current = `fake-rt-${serial}-${Math.random().toString(36).slice(2)}`;
    }
    body.refresh_token = fake.current;
    answer(res, 200, body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const grant = body.get('grant_type') ?? '';
    fake.requests.push({ grant, body, authorization: req.headers.authorization });
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    switch (fake.fault) {
      case 'hang':
        hanging.add(res);
        return;
      case 'status500':
        return answer(res, 500, { error: 'server_error', error_description: 'database exploded at 10.0.0.7' });
      case 'status429':
        res.setHeader('retry-after', '120');
        return answer(res, 429, { error: 'too_many_requests' });
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>Service Unavailable</html>');
      case 'none':
        break;
    }
    if (grant === 'authorization_code') {
      if (!body.get('code')?.startsWith('fake-code')) return answer(res, 400, { error: 'invalid_grant', error_description: 'internal-detail: code lookup in shard 7 failed' });
      return issue(res);
    }
    if (grant === 'refresh_token') {
      const presented = body.get('refresh_token') ?? '';
      if (fake.familyRevoked) return answer(res, 400, { error: 'invalid_grant', error_description: 'family revoked' });
      if (retired.has(presented)) {
        fake.familyRevoked = true; // reuse detection
        return answer(res, 400, { error: 'invalid_grant', error_description: 'reuse detected' });
      }
      if (presented !== fake.current) return answer(res, 400, { error: 'invalid_grant', error_description: 'unknown refresh token' });
      if (rotate) fake.rotations += 1;
      return issue(res);
    }
    return answer(res, 400, { error: 'unsupported_grant_type' });
  };

  let server: Server;
  let port = 0;
  const listen = (on: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => void handle(req, res));
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const closeServer = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  await listen(0);
  fake.url = `http://127.0.0.1:${port}`;
  fake.tokenUrl = `${fake.url}/token`;
  fake.authorizationUrl = `${fake.url}/authorize`;
  return fake;
}
