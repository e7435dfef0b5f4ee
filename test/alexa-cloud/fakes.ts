/**
 * Test doubles for the local Alexa cloud's tests: an in-memory FunctionRunner that records what it was given and
 * refuses zips the way the real runner would (no handler file), and helpers to start a cloud on a temp dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync, strToU8 } from 'fflate';
import { FunctionCodeError, type FunctionDefinition, type FunctionRunner, type InvocationResult } from '../../local/alexa-cloud/contracts.js';
import { startAlexaCloud, type AlexaCloud, type AlexaCloudOptions } from '../../local/alexa-cloud/index.js';

export class FakeRunner implements FunctionRunner {
  readonly deployed = new Map<string, { fn: FunctionDefinition; files: string[] }>();
  readonly calls: string[] = [];

  async deploy(fn: FunctionDefinition, zip: Uint8Array): Promise<void> {
    this.calls.push(`deploy ${fn.name}`);
    let files: string[];
    try {
      files = Object.keys(unzipSync(zip));
    } catch {
      throw new FunctionCodeError('Could not unzip uploaded file.');
    }
    const module = fn.handler.split('.')[0]!;
    if (!['.mjs', '.js', '.cjs'].some((ext) => files.includes(`${module}${ext}`))) {
      throw new FunctionCodeError(`Cannot find module '${module}' for handler ${fn.handler}: the zip has no ${module}.mjs, ${module}.js or ${module}.cjs at its root.`);
    }
    this.deployed.set(fn.name, { fn, files });
  }

  async configure(fn: FunctionDefinition): Promise<void> {
    this.calls.push(`configure ${fn.name}`);
    const current = this.deployed.get(fn.name);
    if (current) this.deployed.set(fn.name, { ...current, fn });
  }

  async invoke(): Promise<InvocationResult> {
    return { ok: false, errorType: 'NotImplemented', errorMessage: 'fake runner', durationMs: 0 };
  }

  async close(): Promise<void> {}
}

export function handlerZip(files: Record<string, string> = { 'index.mjs': 'export const handler = async () => ({});' }): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));
}

export interface TestCloud {
  cloud: AlexaCloud;
  dataDir: string;
  lines: string[];
  runner: FakeRunner;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestCloud(options: Partial<AlexaCloudOptions> = {}): Promise<TestCloud> {
  const dataDir = await mkdtemp(join(tmpdir(), 'alexa-cloud-'));
  const lines: string[] = [];
  const runner = new FakeRunner();
  const start = () => startAlexaCloud({ port: 0, dataDir, runner, log: (line) => lines.push(line), importPendingPolls: 0, ...options });
  const handle: TestCloud = {
    cloud: await start(),
    dataDir,
    lines,
    runner,
    restart: async () => {
      await handle.cloud.close();
      handle.cloud = await start();
    },
    stop: async () => {
      await handle.cloud.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
