/**
 * One Lambda execution environment: a Node 24 process running AWS's runtime interface client (aws-lambda-ric) over
 * one deployed revision, fed by its own Runtime API on loopback. Initialised on the first invocation and kept warm
 * for the next ones, one invocation at a time; killed on timeout, replaced by the runner when it dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FunctionDefinition, InvocationResult } from '../contracts.js';
import { RuntimeApi, type InitFailure, type RuntimeOutcome } from './runtime-api.js';

/** Lambda gives initialisation (loading the handler module) 10 s, apart from the function's timeout. */
export const INIT_TIMEOUT_MS = 10_000;

// createRequire, not import.meta.resolve: mocha loads the tests through tsx as CommonJS, where the latter is missing.
const RIC_ENTRY = createRequire(import.meta.url).resolve('aws-lambda-ric');
const RIC_HOOKS = fileURLToPath(new URL('./rapid-hooks.mjs', import.meta.url));

export interface SandboxOptions {
  fn: FunctionDefinition;
  codeDir: string;
  nodeBinary: string;
  /** The execution role's credentials and the AWS endpoint (FunctionRunner.setAwsEnvironment); default none. */
  awsEnvironment?: Readonly<Record<string, string>>;
  /** Receives each line the function writes (and START/END/REPORT lines); never the event or the payload. */
  log: (line: string) => void;
  /** Test seam: the initialisation limit. */
  initTimeoutMs?: number;
}

type Phase =
  | { name: 'new' }
  | { name: 'initialising'; ready: Promise<InitFailure | undefined> }
  | { name: 'ready' }
  | { name: 'dead'; reason: string };

export class Sandbox {
  readonly fn: FunctionDefinition;
  private phase: Phase = { name: 'new' };
  private child: ChildProcess | undefined;
  private api: RuntimeApi | undefined;
  private exited!: Promise<string>;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SandboxOptions) {
    this.fn = options.fn;
  }

  /** False once the process died or was killed; the runner then starts a fresh sandbox. */
  get alive(): boolean {
    return this.phase.name !== 'dead';
  }

  /** Invocations queue: an execution environment handles one event at a time. */
  invoke(event: unknown): Promise<InvocationResult> {
    const run = this.busy.then(() => this.invokeNow(event));
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Ends the environment once the invocations already given to it are answered. */
  async retire(reason: string): Promise<void> {
    await this.busy;
    await this.kill(reason);
  }

  async kill(reason = 'retired'): Promise<void> {
    if (this.phase.name !== 'dead') this.phase = { name: 'dead', reason };
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await this.exited;
    }
    await this.api?.close();
  }

  private async invokeNow(event: unknown): Promise<InvocationResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    if (this.phase.name === 'dead') return failure('Runtime.ExitError', `the execution environment is gone (${this.phase.reason})`, elapsed());

    if (this.phase.name === 'new') this.phase = { name: 'initialising', ready: this.start() };
    if (this.phase.name === 'initialising') {
      const initFailure = await this.phase.ready;
      if (initFailure) {
        await this.kill('initialisation failed');
        return failure(initFailure.errorType, initFailure.errorMessage, elapsed());
      }
      this.phase = { name: 'ready' };
    }

    const api = this.api!;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    const { requestId, outcome } = api.invoke(event, this.fn.arn, timeoutMs);
    this.options.log(`START RequestId: ${requestId} Version: $LATEST`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([outcome, timedOut, this.exited]).finally(() => clearTimeout(timer));
    const durationMs = elapsed();
    this.options.log(`END RequestId: ${requestId}`);
    this.options.log(`REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tMemory Size: ${this.fn.memorySizeMb} MB`);

    if (result === 'timeout') {
      await this.kill('timed out');
      return failure('Sandbox.Timedout', `Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`, durationMs);
    }
    if (typeof result === 'string') return failure('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: ${result}`, durationMs);
    return fromOutcome(result, durationMs);
  }

  /** Spawns the process; resolves when the runtime first asks for work (undefined) or initialisation failed. */
  private async start(): Promise<InitFailure | undefined> {
    const { fn, codeDir, nodeBinary } = this.options;
    let initFailure: InitFailure | undefined;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    this.api = new RuntimeApi({ onReady: () => markReady(), onInitError: (failure) => (initFailure = failure) });
    const runtimeApi = await this.api.listen();

    const memoryMb = Math.max(64, fn.memorySizeMb);
    const child = spawn(
      nodeBinary,
      // Lambda's bootstrap caps the heap below the function's memory; the hooks file only supplies the RIC's transport.
      [`--max-old-space-size=${Math.floor(memoryMb * 0.9)}`, '--import', RIC_HOOKS, RIC_ENTRY],
      { cwd: codeDir, env: { ...lambdaEnvironment(fn, codeDir, runtimeApi, nodeBinary), ...this.options.awsEnvironment }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.phase.name !== 'dead') this.phase = { name: 'dead', reason: 'the process exited' };
        resolve(signal ? `signal ${signal}` : `exit status ${code}`);
      });
      child.once('error', (error) => resolve(`spawn failed: ${error.message}`));
    });
    for (const stream of [child.stdout, child.stderr]) forwardLines(stream!, this.options.log);

    const initTimeoutMs = this.options.initTimeoutMs ?? INIT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), initTimeoutMs)));
    const outcome = await Promise.race([ready.then(() => 'ready' as const), this.exited, limit]).finally(() => clearTimeout(timer));
    if (outcome === 'ready') return undefined;
    if (outcome === 'timeout') return { errorType: 'Sandbox.Timedout', errorMessage: `Init phase timed out after ${initTimeoutMs / 1000} seconds` };
    // The RIC posts /init/error and then exits; the posted error says more than the exit status.
    return initFailure ?? { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during initialisation with ${outcome}` };
  }
}

/**
 * What Lambda puts into a Node.js function's environment, and the function's own variables — nothing of the
 * cloud's process (no ASK_*, AWS_* credentials, HOME). Reserved names win over the function's, as in Lambda.
 */
export function lambdaEnvironment(fn: FunctionDefinition, codeDir: string, runtimeApi: string, nodeBinary: string): Record<string, string> {
  const region = fn.arn.split(':')[3] || 'us-east-1';
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    ...fn.environment,
    PATH: `${dirname(nodeBinary)}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: codeDir,
    LAMBDA_RUNTIME_DIR: dirname(RIC_ENTRY),
    _HANDLER: fn.handler,
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
  };
}

/**
 * A function's output as Lambda logs it: one line per `\n`. The runtime interface client writes each console record
 * on one line, with the record's own newlines (a stack trace, a multi-line message) as `\r` — one CloudWatch event.
 * readline would split at those too and spread one error over a line per stack frame; here they become newlines
 * inside the one line handed to `log`.
 */
function forwardLines(stream: Readable, log: (line: string) => void): void {
  let pending = '';
  const emit = (line: string) => log(line.replace(/\r$/u, '').replaceAll('\r', '\n'));
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) emit(line);
  });
  stream.on('end', () => {
    if (pending !== '') emit(pending);
  });
}

function fromOutcome(outcome: RuntimeOutcome, durationMs: number): InvocationResult {
  return outcome.kind === 'response' ? { ok: true, payload: outcome.payload, durationMs } : failure(outcome.errorType, outcome.errorMessage, durationMs);
}

function failure(errorType: string, errorMessage: string, durationMs: number): InvocationResult {
  return { ok: false, errorType, errorMessage, durationMs };
}
