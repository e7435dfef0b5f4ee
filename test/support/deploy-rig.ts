/**
 * The offline rig the real-ASK-CLI deploy tests stand on: the local stack, a function runner and the local Alexa
 * cloud, whose `ask dialog` gets the linked user's token from a simulator of the stack (sharing `tokenStore`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryTokenStore } from '../../local/alexa/token-store.js';
import { startAlexaCloud, type AlexaCloud } from '../../local/alexa-cloud/index.js';
import { LocalFunctionRunner } from '../../local/alexa-cloud/runtime/index.js';
import { createSimulationsRouter } from '../../local/alexa-cloud/simulations.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';

export interface DeployRig {
  /** A temp folder of the rig's own (the runner's and the cloud's state under it); removed on close. */
  work: string;
  stack: LocalStack;
  runner: LocalFunctionRunner;
  cloud: AlexaCloud;
  /** The link `ask dialog` speaks with: link into it with `stack.createSimulator({ tokenStore })`. */
  tokenStore: MemoryTokenStore;
  close(): Promise<void>;
}

export async function startDeployRig(prefix: string, lines: { function: string[]; cloud?: string[] }): Promise<DeployRig> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const tokenStore = new MemoryTokenStore();
  const closers: Array<() => Promise<unknown>> = [() => rm(work, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const stack = await startLocalStack({ log: () => {}, env: { LOG_LEVEL: 'warn' } });
    closers.push(() => stack.close());
    const alexa = stack.createSimulator({ tokenStore });
    const runner = new LocalFunctionRunner({ dataDir: join(work, 'runner'), log: (line) => lines.function.push(line) });
    closers.push(() => runner.close());
    const cloud = await startAlexaCloud({
      port: 0,
      dataDir: join(work, 'cloud'),
      runner,
      log: (line) => lines.cloud?.push(line),
      routes: ({ skills, alexaTriggerProblem }) => [createSimulationsRouter({ skills, runner, alexaTriggerProblem, accessToken: () => alexa.accessToken() })],
    });
    closers.push(() => cloud.close());
    return { work, stack, runner, cloud, tokenStore, close };
  } catch (error) {
    await close();
    throw error;
  }
}
