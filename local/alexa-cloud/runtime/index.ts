/**
 * The local cloud's FunctionRunner: deployed code lives in `<dataDir>/functions/<name>/<revision>/`, and each function
 * has at most one warm execution environment (a Sandbox) for its current revision and configuration.
 *
 * A deploy unpacks and checks the new code beside the old one and switches only when it passed; the old environment
 * is retired after the switch, so the previous code keeps answering until then and after any failed deploy.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FunctionCodeError, type FunctionDefinition, type FunctionRunner, type InvocationResult } from '../contracts.js';
import { checkRuntime, handlerFile, parseHandler, unpack } from './code.js';
import { Sandbox } from './sandbox.js';

export { FunctionCodeError } from '../contracts.js';

export interface LocalFunctionRunnerOptions {
  /** The cloud's data folder; code goes to `<dataDir>/functions/`. */
  dataDir: string;
  /** Where the functions' log lines go (each prefixed with the function's name); default stderr. */
  log?: (line: string) => void;
  /** Default: this process's Node when it is 24 or newer, else the project's node_modules/node. */
  nodeBinary?: string;
  /** Test seam for the initialisation limit (Lambda: 10 s). */
  initTimeoutMs?: number;
}

/** Invoking a function the runner does not know (Lambda's ResourceNotFoundException). */
export class FunctionNotFoundError extends Error {
  override name = 'ResourceNotFoundException';
}

interface Deployed {
  fn: FunctionDefinition;
  codeDir: string;
  sandbox: Sandbox | undefined;
}

export class LocalFunctionRunner implements FunctionRunner {
  private readonly functions = new Map<string, Deployed>();
  /** Deploys and configuration changes of one function happen one after another. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly retiring = new Map<Sandbox, Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly nodeBinary: string;
  private closed = false;
  private awsEnvironment: Readonly<Record<string, string>> = {};

  constructor(private readonly options: LocalFunctionRunnerOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.nodeBinary = options.nodeBinary ?? projectNode();
  }

  deploy(fn: FunctionDefinition, zip: Uint8Array): Promise<void> {
    return this.serialised(fn.name, async () => {
      checkRuntime(fn);
      parseHandler(fn.handler);
      const codeDir = join(this.options.dataDir, 'functions', safeSegment(fn.name), safeSegment(fn.revisionId));
      const previous = this.functions.get(fn.name);
      if (previous?.codeDir === codeDir) throw new FunctionCodeError(`revision ${fn.revisionId} of ${fn.name} is already deployed`);
      try {
        await unpack(zip, codeDir);
        handlerFile(codeDir, fn.handler);
      } catch (error) {
        await rm(codeDir, { recursive: true, force: true });
        throw error;
      }
      this.functions.set(fn.name, { fn: { ...fn }, codeDir, sandbox: undefined });
      if (previous) this.retire(previous.sandbox, previous.codeDir, 'replaced by a new revision');
      this.log(`[${fn.name}] deployed revision ${fn.revisionId} (${fn.runtime}, ${fn.handler})`);
    });
  }

  configure(fn: FunctionDefinition): Promise<void> {
    return this.serialised(fn.name, async () => {
      const deployed = this.functions.get(fn.name);
      if (!deployed) throw new FunctionCodeError(`Function ${fn.name} has no deployed code to configure.`);
      checkRuntime(fn);
      handlerFile(deployed.codeDir, fn.handler);
      // The code folder stays: a configuration change keeps the code, whatever revision ID it brings.
      this.functions.set(fn.name, { fn: { ...fn }, codeDir: deployed.codeDir, sandbox: undefined });
      this.retire(deployed.sandbox, undefined, 'configuration changed');
    });
  }

  setAwsEnvironment(variables: Readonly<Record<string, string>>): void {
    this.awsEnvironment = { ...variables };
  }

  async invoke(functionNameOrArn: string, event: unknown): Promise<InvocationResult> {
    if (this.closed) throw new Error('the function runner is closed');
    const name = functionName(functionNameOrArn);
    const deployed = this.functions.get(name);
    if (!deployed) throw new FunctionNotFoundError(`Function not found: ${functionNameOrArn}`);
    // A dead environment (crash, timeout, failed init) is replaced now, as Lambda starts a new one.
    if (!deployed.sandbox?.alive) {
      // The dead one's Runtime API server is closed too: left listening, one server per crash outlived the runner.
      if (deployed.sandbox) this.retire(deployed.sandbox, undefined, 'replaced after it died');
      deployed.sandbox = new Sandbox({
        fn: deployed.fn,
        codeDir: deployed.codeDir,
        nodeBinary: this.nodeBinary,
        awsEnvironment: this.awsEnvironment,
        log: (line) => this.log(`[${name}] ${line}`),
        ...(this.options.initTimeoutMs !== undefined ? { initTimeoutMs: this.options.initTimeoutMs } : {}),
      });
    }
    return deployed.sandbox.invoke(event);
  }

  /** The definition the runner currently serves, for tests and the control plane's GetFunction. */
  deployedDefinition(functionNameOrArn: string): FunctionDefinition | undefined {
    const deployed = this.functions.get(functionName(functionNameOrArn));
    return deployed && { ...deployed.fn };
  }

  async close(): Promise<void> {
    this.closed = true;
    const sandboxes = [...this.functions.values()].map((deployed) => deployed.sandbox).concat([...this.retiring.keys()]);
    await Promise.all(sandboxes.map((sandbox) => sandbox?.kill('the cloud is closing')));
    await Promise.all(this.retiring.values());
  }

  /**
   * Lets an environment finish what it was already given, then ends it (and removes its old code folder). In the
   * background: a deploy need not wait for an invocation that started before it.
   */
  private retire(sandbox: Sandbox | undefined, codeDir: string | undefined, reason: string): void {
    const done = (async () => {
      await sandbox?.retire(reason);
      if (codeDir) await rm(codeDir, { recursive: true, force: true });
    })().catch((error: unknown) => this.log(`[runner] could not retire an environment: ${(error as Error).message}`));
    if (sandbox) {
      this.retiring.set(sandbox, done);
      void done.finally(() => this.retiring.delete(sandbox));
    }
  }

  private serialised<T>(name: string, work: () => Promise<T>): Promise<T> {
    const run = (this.locks.get(name) ?? Promise.resolve()).then(work);
    this.locks.set(name, run.catch(() => undefined));
    return run;
  }
}

/** `arn:aws:lambda:us-east-1:123:function:name[:qualifier]` or a bare name → the name. */
export function functionName(nameOrArn: string): string {
  const parts = nameOrArn.split(':');
  return nameOrArn.startsWith('arn:') && parts[5] === 'function' && parts[6] ? parts[6] : nameOrArn;
}

/** A function name or revision ID as one folder name, whatever characters the control plane used. */
function safeSegment(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9._-]/gu, '_');
  return safe === '' || safe === '.' || safe === '..' ? `_${safe}` : safe;
}

/** The Node 24 the functions run on: this process's when it is recent enough, else the one the project installs. */
export function projectNode(): string {
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  const bundled = fileURLToPath(new URL('../../../node_modules/node/bin/node', import.meta.url));
  if (existsSync(bundled)) return bundled;
  throw new Error('no Node 24 found to run functions with: run under the project\'s Node (npm scripts, npx) or `npm install`');
}
