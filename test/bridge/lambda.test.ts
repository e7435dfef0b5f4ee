/**
 * The Lambda entry: Function URL / HTTP API (payload 2.0) events through `bridge/index.ts` in process (a whole
 * code-grant journey against a fake upstream), and the bundle `npm run build` writes to dist/bridge/, loaded on its
 * own outside the project.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { HttpApiEventV2, HttpApiResultV2 } from '../../bridge/adapters/lambda.js';
import { PROFILE_NAMES } from '../../bridge/profiles/registry.js';
import { localDynamoDbEnv, startLocalDynamoDb } from '../../local/dynamodb.js';
import { freshBuild } from '../support/fresh-build.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from './fake-token-endpoint.js';
import { BRIDGE_CLIENT, bridgeEnv, CODE_REDIRECT } from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;

function functionUrlEvent(method: string, path: string, query: Record<string, string> = {}, init: { headers?: Record<string, string>; body?: string; base64?: boolean } = {}): HttpApiEventV2 {
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString,
    headers: { host: 'abc.lambda-url.eu-west-1.on.aws', ...init.headers },
    requestContext: { http: { method, path } },
    ...(init.body === undefined ? {} : { body: init.base64 ? Buffer.from(init.body).toString('base64') : init.body, isBase64Encoded: init.base64 ?? false }),
  };
}

const basic = `Basic ${Buffer.from(`${encodeURIComponent(BRIDGE_CLIENT.clientId)}:${new URLSearchParams({ v: BRIDGE_CLIENT.clientSecret }).toString().slice(2)}`).toString('base64')}`;

describe('bridge: Lambda handler (Function URL events)', () => {
  let upstream: FakeTokenEndpoint;
  let handler: (event: HttpApiEventV2) => Promise<HttpApiResultV2>;

  before(async () => {
    upstream = await startFakeTokenEndpoint({ rotate: false });
    const env = bridgeEnv({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, LOG_LEVEL: 'silent' });
    // The handler reads its configuration from process.env at import, as on Lambda; put back every variable after.
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
    try {
      ({ handler } = await import('../../bridge/index.js'));
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
  after(() => upstream?.close());

  it('answers /authorize with the redirect upstream, /callback with the code, /token (base64 body) with tokens', async () => {
    const authorize = await handler(functionUrlEvent('GET', '/authorize', { client_id: BRIDGE_CLIENT.clientId, response_type: 'code', redirect_uri: CODE_REDIRECT, scope: 'order_car', state: 'lambda-state' }));
    expect(authorize.statusCode).to.equal(302);
    expect(authorize.headers['cache-control']).to.equal('no-store');
    const up = new URL(authorize.headers.location!);
    expect(up.origin + up.pathname).to.equal(upstream.authorizationUrl);

    const callback = await handler(functionUrlEvent('GET', '/callback', { code: 'fake-code-lambda', state: up.searchParams.get('state')! }));
    expect(callback.statusCode).to.equal(302);
    const back = new URL(callback.headers.location!);
    expect(back.searchParams.get('state')).to.equal('lambda-state');

    const token = await handler(
      functionUrlEvent('POST', '/token', {}, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: CODE_REDIRECT }).toString(),
        base64: true,
      }),
    );
    expect(token.statusCode, token.body).to.equal(200);
    expect(token.headers['cache-control']).to.equal('no-store');
    const body = JSON.parse(token.body) as Record<string, unknown>;
    expect(body.token_type).to.equal('Bearer');
    expect(body.refresh_token).to.match(/^brt_/);
  });

  it('answers a body over the limit with 413 invalid_request (RFC 6749) and Cache-Control: no-store', async () => {
    const answer = await handler(functionUrlEvent('POST', '/token', {}, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a'.repeat(17 * 1024) }));
    expect(answer.statusCode).to.equal(413);
    expect(JSON.parse(answer.body)).to.deep.equal({ error: 'invalid_request' });
    expect(answer.headers['cache-control']).to.equal('no-store');
  });

  it('answers a bad redirect URI with the 400 page and an unknown path with a JSON 404', async () => {
    const page = await handler(functionUrlEvent('GET', '/authorize', { client_id: BRIDGE_CLIENT.clientId, response_type: 'code', redirect_uri: 'https://evil.example/', state: 's' }));
    expect(page.statusCode).to.equal(400);
    expect(page.headers.location).to.equal(undefined);
    expect((await handler(functionUrlEvent('GET', '/nope'))).statusCode).to.equal(404);
  });
});

describe('bridge: Lambda bundle (npm run build → dist/bridge)', () => {
  const bundle = join(root, 'dist/bridge');

  before(function () {
    this.timeout(60_000);
    return freshBuild();
  });

  function run(directory: string, events: HttpApiEventV2[], env: Record<string, string | undefined>) {
    const script = `
      import(${JSON.stringify(join(directory, 'index.mjs'))})
        .then(async ({ handler }) => { const out = []; for (const e of JSON.parse(process.argv[1])) out.push(await handler(e)); return out; })
        .then((answers) => process.stdout.write(JSON.stringify({ answers, undiciLoaded: process.moduleLoadList.some((m) => /undici/.test(m)), unwanted: process.moduleLoadList.filter((m) => /webstreams|perf_hooks/.test(m)) })));`;
    const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    return promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(events)], { cwd: directory, env: { PATH: process.env.PATH, ...clean } });
  }
  /** The handler's answers in a run, and whether it loaded undici (Node's fetch, tens of milliseconds of a cold start). */
  const output = (stdout: string) => JSON.parse(stdout) as { answers: HttpApiResultV2[]; undiciLoaded: boolean; unwanted: string[] };

  it('loads outside the project and answers /authorize and /token through its handler', async () => {
    const isolated = mkdtempSync(join(tmpdir(), 'bridge-bundle-'));
    try {
      cpSync(bundle, isolated, { recursive: true });
      const { stdout } = await run(
        isolated,
        [
          functionUrlEvent('GET', '/authorize', { client_id: BRIDGE_CLIENT.clientId, response_type: 'code', redirect_uri: CODE_REDIRECT, state: 'b' }),
          functionUrlEvent('POST', '/token', {}, {
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
            body: 'grant_type=refresh_token&refresh_token=brt_unknown',
          }),
          functionUrlEvent('GET', '/healthz'),
        ],
        bridgeEnv({ LOG_LEVEL: 'silent', BRIDGE_DATA: join(isolated, 'bridge.sqlite') }),
      );
      const [authorize, token, health] = output(stdout).answers;
      expect(authorize!.statusCode).to.equal(302);
      expect(authorize!.headers.location).to.match(/^http:\/\/127\.0\.0\.1:9\/auth\?/);
      expect(token!.statusCode).to.equal(400);
      expect(JSON.parse(token!.body)).to.deep.equal({ error: 'invalid_grant' });
      expect(JSON.parse(health!.body)).to.deep.equal({ status: 'ok' });
    } finally {
      rmSync(isolated, { recursive: true, force: true });
    }
  });

  it("links and refreshes through the upstream without loading undici (Node's fetch), node:cluster, perf_hooks or web streams", async () => {
    // Loading undici (Node's fetch) costs tens of milliseconds of a Lambda cold start; nothing on the bridge's way
    // may touch it (the global fetch, FormData, Headers). node:cluster comes with rate-limiter-flexible's index,
    // 71 kB of limiters the bridge never uses (bridge/rate-limiter-parts.ts); perf_hooks with the first touch of the
    // `performance` global (common/clock.ts); web streams with the global ReadableStream (bridge/http/read-at-most.ts).
    // Which modules Node loaded is the observable, not a time.
    const upstream = await startFakeTokenEndpoint({ rotate: true });
    const isolated = mkdtempSync(join(tmpdir(), 'bridge-bundle-'));
    try {
      const script = `
        const event = (method, path, query, body) => ({ version: '2.0', rawPath: path, rawQueryString: new URLSearchParams(query).toString(),
          headers: { host: 'abc.lambda-url.eu-west-1.on.aws', ...(body ? { 'content-type': 'application/x-www-form-urlencoded', authorization: ${JSON.stringify(basic)} } : {}) },
          requestContext: { http: { method, path } }, ...(body ? { body: new URLSearchParams(body).toString(), isBase64Encoded: false } : {}) });
        const { handler } = await import(${JSON.stringify(join(bundle, 'index.mjs'))});
        const authorize = await handler(event('GET', '/authorize', { client_id: ${JSON.stringify(BRIDGE_CLIENT.clientId)}, response_type: 'code', redirect_uri: ${JSON.stringify(CODE_REDIRECT)}, state: 's' }));
        const callback = await handler(event('GET', '/callback', { code: 'fake-code-bundle', state: new URL(authorize.headers.location).searchParams.get('state') }));
        const code = new URL(callback.headers.location).searchParams.get('code');
        const first = await handler(event('POST', '/token', {}, { grant_type: 'authorization_code', code, redirect_uri: ${JSON.stringify(CODE_REDIRECT)} }));
        const refresh = await handler(event('POST', '/token', {}, { grant_type: 'refresh_token', refresh_token: JSON.parse(first.body).refresh_token }));
        process.stdout.write(JSON.stringify({ statuses: [first.statusCode, refresh.statusCode], unwanted: process.moduleLoadList.filter((m) => /undici|cluster|perf_hooks|webstreams/.test(m)) }));`;
      const env = bridgeEnv({ BRIDGE_UPSTREAM_AUTHORIZATION_URL: upstream.authorizationUrl, BRIDGE_UPSTREAM_TOKEN_URL: upstream.tokenUrl, LOG_LEVEL: 'silent', BRIDGE_DATA: join(isolated, 'bridge.sqlite') });
      const clean = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: isolated, env: { PATH: process.env.PATH, ...clean } });
      const { statuses, unwanted } = JSON.parse(stdout) as { statuses: number[]; unwanted: string[] };
      expect(statuses).to.deep.equal([200, 200]);
      expect(upstream.requests.map((r) => r.grant), 'both grants reached the upstream').to.deep.equal(['authorization_code', 'refresh_token']);
      expect(unwanted).to.deep.equal([]);
    } finally {
      rmSync(isolated, { recursive: true, force: true });
      await upstream.close();
    }
  });

  it('with BRIDGE_STORE=dynamodb loads its DynamoDB chunk and reads the table (a local dynalite server); the AWS SDK\'s credential chain is not in the bundle', async function () {
    this.timeout(20_000);
    const db = await startLocalDynamoDb();
    const isolated = mkdtempSync(join(tmpdir(), 'bridge-bundle-'));
    try {
      cpSync(bundle, isolated, { recursive: true });
      const refreshEvent = functionUrlEvent('POST', '/token', {}, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: 'grant_type=refresh_token&refresh_token=brt_unknown',
      });
      const { stdout } = await run(isolated, [refreshEvent], { ...bridgeEnv({ LOG_LEVEL: 'silent', BRIDGE_DATA: undefined }), ...localDynamoDbEnv(db) });
      // 400 = the link was looked up and is unknown; a store that failed to load or answer would give a 503.
      const { answers: [token], undiciLoaded, unwanted } = output(stdout);
      // The DynamoDB calls (bridge/aws/json-client.ts) must not load undici on the way either, nor web streams.
      expect(undiciLoaded).to.equal(false);
      expect(unwanted).to.deep.equal([]);
      expect(token!.statusCode, token!.body).to.equal(400);
      expect(JSON.parse(token!.body)).to.deep.equal({ error: 'invalid_grant' });
      const other = await run(isolated, [refreshEvent], { ...bridgeEnv({ LOG_LEVEL: 'silent', BRIDGE_DATA: undefined }), ...localDynamoDbEnv(db), BRIDGE_DYNAMODB_TABLE: 'no-such-table' });
      expect(output(other.stdout).answers[0]!.statusCode).to.equal(503);
      // On Lambda the role's credentials are in the environment; the SDK's chain (profiles, SSO, container and
      // instance roles) stays out of the bundle (scripts/bundle.ts), and without them the call fails, saying so.
      const files = readdirSync(bundle, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.mjs'));
      expect(files.filter((name) => readFileSync(join(bundle, name), 'utf8').includes('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'))).to.deep.equal([]);
      // One HTTP client, the SDK's handler (bridge/upstream.ts): got, with its dependencies, is not bundled at all.
      expect(files.filter((name) => readFileSync(join(bundle, name), 'utf8').includes('sindresorhus/got'))).to.deep.equal([]);
      const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = localDynamoDbEnv(db);
      const keyless = await run(isolated, [refreshEvent], { ...bridgeEnv({ LOG_LEVEL: 'error', BRIDGE_DATA: undefined }), ...withoutKeys });
      expect(output(keyless.stdout.slice(keyless.stdout.lastIndexOf('{"answers"'))).answers[0]!.statusCode).to.equal(503);
      expect(keyless.stdout).to.contain('"errorName":"CredentialsProviderError"');
    } finally {
      rmSync(isolated, { recursive: true, force: true });
      await db.close();
    }
  });

  it('fails its cold start naming a missing variable, and lists the registered profiles for an unknown one', async () => {
    const missing = await run(bundle, [], bridgeEnv({ BRIDGE_CLIENT_SECRET: undefined })).catch((error: { stderr: string }) => error);
    expect((missing as { stderr: string }).stderr).to.contain('BRIDGE_CLIENT_SECRET: not set');
    const unknown = await run(bundle, [], bridgeEnv({ BRIDGE_PROFILE: 'nosuch' })).catch((error: { stderr: string }) => error);
    expect((unknown as { stderr: string }).stderr).to.contain(`BRIDGE_PROFILE: unknown profile "nosuch" (known: ${PROFILE_NAMES.join(', ')})`);
  });

  it('holds the profiles besides the default one (github here)', async () => {
    const isolated = mkdtempSync(join(tmpdir(), 'bridge-bundle-'));
    try {
      const { stdout } = await run(bundle, [functionUrlEvent('GET', '/healthz')], bridgeEnv({ LOG_LEVEL: 'silent', BRIDGE_PROFILE: 'github', BRIDGE_DATA: join(isolated, 'bridge.sqlite') }));
      expect(JSON.parse(output(stdout).answers[0]!.body)).to.deep.equal({ status: 'ok' });
    } finally {
      rmSync(isolated, { recursive: true, force: true });
    }
  });
});
