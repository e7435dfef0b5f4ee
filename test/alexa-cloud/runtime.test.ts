/**
 * The function runner runs deployed zips in their own Node 24 processes through AWS's runtime interface client,
 * over a Lambda Runtime API on loopback: warm reuse, timeouts, crashes, handler errors, init errors, configuration
 * changes, refused deploys that leave the previous code serving, and logs that never carry the event.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
import { FunctionCodeError, type FunctionDefinition, type InvocationResult } from '../../local/alexa-cloud/contracts.js';
import { functionName, FunctionNotFoundError, LocalFunctionRunner } from '../../local/alexa-cloud/runtime/index.js';
import { rejection } from '../support/rejection.js';

const zip = (files: Record<string, string>) => zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));

/** Answers with what a test wants to see about its process; `mode` in the event picks a misbehaviour. */
const HANDLER = (version: string) => `
  let invocations = 0;
  export const handler = async (event, context) => {
    invocations += 1;
    console.log('handling', event.mode ?? 'ok');
    if (event.mode === 'throw') { const e = new Error('the ride exploded'); e.name = 'RideError'; throw e; }
    if (event.mode === 'sleep') await new Promise((r) => setTimeout(r, 5000));
    if (event.mode === 'exit') process.exit(3);
    return { version: ${JSON.stringify(version)}, pid: process.pid, invocations, echo: event.value,
      envNames: Object.keys(process.env), greeting: process.env.GREETING, requestId: context.awsRequestId,
      functionArn: context.invokedFunctionArn, remainingMs: context.getRemainingTimeInMillis() };
  };`;

/** Resolves once `condition` holds: polls every 5 ms (the mocha timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

function definition(overrides: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    name: 'ride-fn',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:ride-fn',
    runtime: 'nodejs24.x',
    handler: 'index.handler',
    role: 'arn:aws:iam::000000000000:role/ride',
    timeoutSeconds: 3,
    memorySizeMb: 256,
    environment: { GREETING: 'hello' },
    codeSha256: 'sha',
    revisionId: 'rev-1',
    ...overrides,
  };
}

type Payload = { version: string; pid: number; invocations: number; echo: unknown; envNames: string[]; greeting?: string; requestId: string; functionArn: string; remainingMs: number };

function payloadOf(result: InvocationResult): Payload {
  if (!result.ok) throw new Error(`invocation failed: ${result.errorType}: ${result.errorMessage}`);
  return result.payload as Payload;
}

describe('alexa-cloud runtime: the function runner', function () {
  this.timeout(30_000);
  let dataDir: string;
  let runner: LocalFunctionRunner;
  let logs: string[];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'runner-'));
    logs = [];
    runner = new LocalFunctionRunner({ dataDir, log: (line) => logs.push(line) });
  });

  afterEach(async () => {
    await runner.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the handler through the runtime interface client, keeps the process warm and passes Lambda context', async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    const first = payloadOf(await runner.invoke(fn.arn, { value: 42 }));
    const second = payloadOf(await runner.invoke('ride-fn', { value: 43 }));
    expect(first).to.include({ version: 'v1', echo: 42, invocations: 1, greeting: 'hello', functionArn: fn.arn });
    expect(second).to.include({ pid: first.pid, invocations: 2, echo: 43 });
    expect(first.requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(first.remainingMs).to.be.within(1, 3000);
    expect(first.pid).to.not.equal(process.pid);
  });

  it("gives the function Lambda's variables and its own, and nothing of the cloud's environment", async () => {
    process.env.ASK_REFRESH_TOKEN_FOR_THIS_TEST = 'cloud-secret';
    try {
      const fn = definition();
      await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
      const { envNames } = payloadOf(await runner.invoke(fn.arn, {}));
      for (const name of ['GREETING', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', '_HANDLER', 'AWS_REGION']) expect(envNames).to.include(name);
      expect(envNames).to.not.include('ASK_REFRESH_TOKEN_FOR_THIS_TEST');
      expect(envNames).to.not.include('HOME');
      expect(envNames.filter((name) => name.startsWith('ASK_'))).to.deep.equal([]);
    } finally {
      delete process.env.ASK_REFRESH_TOKEN_FOR_THIS_TEST;
    }
  });

  it('reports a handler error as Lambda does and keeps serving', async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    const failed = await runner.invoke(fn.arn, { mode: 'throw' });
    expect(failed).to.deep.include({ ok: false, errorType: 'RideError', errorMessage: 'the ride exploded' });
    expect(payloadOf(await runner.invoke(fn.arn, {})).version).to.equal('v1');
  });

  it('kills a function that runs past its timeout (Sandbox.Timedout) and starts a fresh one next time', async () => {
    const fn = definition({ timeoutSeconds: 1 });
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    const before = payloadOf(await runner.invoke(fn.arn, {}));
    // The handler would answer after 5 s: an answer at all, rather than Sandbox.Timedout, is the timeout not kept.
    const timedOut = await runner.invoke(fn.arn, { mode: 'sleep' });
    expect(timedOut).to.deep.include({ ok: false, errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' });
    const after = payloadOf(await runner.invoke(fn.arn, {}));
    expect(after.pid).to.not.equal(before.pid);
    expect(after.invocations).to.equal(1);
  });

  it('replaces a crashed process on the next invocation', async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    const before = payloadOf(await runner.invoke(fn.arn, {}));
    const crashed = await runner.invoke(fn.arn, { mode: 'exit' });
    expect(crashed).to.deep.include({ ok: false, errorType: 'Runtime.ExitError' });
    expect((crashed as { errorMessage: string }).errorMessage).to.contain('exit status 3');
    expect(payloadOf(await runner.invoke(fn.arn, {})).pid).to.not.equal(before.pid);
  });

  it('reports an initialisation failure with the error the module threw', async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': "throw new TypeError('RIDE_API_URL: not set');\nexport const handler = async () => ({});" }));
    const result = await runner.invoke(fn.arn, {});
    expect(result).to.deep.include({ ok: false, errorType: 'TypeError', errorMessage: 'RIDE_API_URL: not set' });
  });

  it("resolves the handler like Lambda's Node runtime: index.js / index.cjs, nested paths", async () => {
    await runner.deploy(definition({ name: 'cjs', arn: 'arn:aws:lambda:us-east-1:000000000000:function:cjs' }), zip({ 'index.cjs': 'exports.handler = async () => "cjs";' }));
    await runner.deploy(
      definition({ name: 'nested', arn: 'arn:aws:lambda:us-east-1:000000000000:function:nested', handler: 'src/app.main' }),
      zip({ 'src/app.js': 'module.exports.main = async () => "nested";' }),
    );
    expect(await runner.invoke('cjs', {})).to.deep.include({ ok: true, payload: 'cjs' });
    expect(await runner.invoke('nested', {})).to.deep.include({ ok: true, payload: 'nested' });
  });

  it('refuses a runtime other than nodejs24.x, a missing handler file or a malformed handler, and keeps the old code serving', async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    const runtime = await rejection(runner.deploy({ ...fn, runtime: 'nodejs20.x', revisionId: 'rev-2' }, zip({ 'index.mjs': HANDLER('v2') })));
    expect(runtime).to.be.instanceOf(FunctionCodeError);
    expect((runtime as Error).message).to.contain('nodejs20.x').and.to.contain('only nodejs24.x');
    const missing = await rejection(runner.deploy({ ...fn, revisionId: 'rev-3' }, zip({ 'main.mjs': HANDLER('v3') })));
    expect(missing).to.be.instanceOf(FunctionCodeError);
    expect((missing as Error).message).to.contain('index.mjs, index.js, index.cjs');
    const malformed = await rejection(runner.deploy({ ...fn, handler: 'index', revisionId: 'rev-4' }, zip({ 'index.mjs': HANDLER('v4') })));
    expect(malformed).to.be.instanceOf(FunctionCodeError);
    const notAZip = await rejection(runner.deploy({ ...fn, revisionId: 'rev-5' }, strToU8('not a zip')));
    expect(notAZip).to.be.instanceOf(FunctionCodeError);
    const escape = await rejection(runner.deploy({ ...fn, revisionId: 'rev-6' }, zip({ 'index.mjs': HANDLER('v6'), '../outside.mjs': 'x' })));
    expect(escape).to.be.instanceOf(FunctionCodeError);
    expect(payloadOf(await runner.invoke(fn.arn, {})).version).to.equal('v1');
  });

  it('switches to new code on a deploy and applies configuration changes with a fresh process', async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    const v1 = payloadOf(await runner.invoke(fn.arn, {}));
    await runner.deploy({ ...fn, revisionId: 'rev-2' }, zip({ 'index.mjs': HANDLER('v2') }));
    const v2 = payloadOf(await runner.invoke(fn.arn, {}));
    expect(v2.version).to.equal('v2');
    expect(v2.pid).to.not.equal(v1.pid);
    await runner.configure({ ...fn, revisionId: 'rev-3', environment: { GREETING: 'moin' } });
    const configured = payloadOf(await runner.invoke(fn.arn, {}));
    expect(configured).to.include({ version: 'v2', greeting: 'moin' });
    expect(configured.pid).to.not.equal(v2.pid);
  });

  it("writes the function's output to the log, prefixed with its name, and never the event", async () => {
    const fn = definition();
    await runner.deploy(fn, zip({ 'index.mjs': HANDLER('v1') }));
    await runner.invoke(fn.arn, { value: 'secret-event-marker' });
    // The pipe may deliver the last lines after the answer: wait for REPORT, the invocation's last line.
    await until(() => logs.some((line) => /^\[ride-fn\] REPORT RequestId: \S+\tDuration: /.test(line)));
    expect(logs.some((line) => line.startsWith('[ride-fn] ') && line.includes('handling ok'))).to.equal(true);
    expect(logs.filter((line) => line.includes('secret-event-marker'))).to.deep.equal([]);
  });

  it('keeps one console record with newlines (a stack trace) as one log line, as CloudWatch keeps it one event', async () => {
    const lines: string[] = [];
    let sawMarker!: () => void;
    const marker = new Promise<void>((resolve) => (sawMarker = resolve));
    const own = new LocalFunctionRunner({
      dataDir: join(dataDir, 'own'),
      log: (line) => {
        lines.push(line);
        if (line.includes('after the record')) sawMarker();
      },
    });
    try {
      const fn = definition();
      const source = `export const handler = async () => {
        console.error(new Error('the ride exploded'));
        console.log('after the record');
        return {};
      };`;
      await own.deploy(fn, zip({ 'index.mjs': source }));
      expect((await own.invoke(fn.arn, {})).ok).to.equal(true);
      await marker;
      const record = lines.filter((line) => line.includes('the ride exploded'));
      expect(record).to.have.length(1);
      expect(record[0]).to.match(/^\[ride-fn\] \S+\t\S+\tERROR\tError: the ride exploded\n {4}at /);
      expect(lines.filter((line) => /^\[ride-fn\]\s+at /.test(line))).to.deep.equal([]);
    } finally {
      await own.close();
    }
  });

  it('names unknown functions, and takes names or ARNs with a qualifier', async () => {
    expect(await rejection(runner.invoke('nope', {}))).to.be.instanceOf(FunctionNotFoundError);
    expect(functionName('arn:aws:lambda:us-east-1:000000000000:function:ride-fn:$LATEST')).to.equal('ride-fn');
    expect(functionName('ride-fn')).to.equal('ride-fn');
  });
});
