/** Shared fixtures for the verification tests: a tiny skill, a config, envelopes, and a real app on port 0. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type express from 'express';
import { SkillBuilders, type Skill } from 'ask-sdk-core';
import type { ServerConfig } from '../../lambda/config.js';
import { createMemoryLogger } from '../../common/logging.js';
import { createAlexaApp } from '../../lambda/http/app.js';

export const SKILL_ID = 'amzn1.ask.skill.00000000-0000-4000-8000-0000000test1';
export const SKILL_SPEECH = 'Hello from the test skill';

export function testSkill(): Skill {
  return SkillBuilders.custom()
    .addRequestHandlers({
      canHandle: () => true,
      handle: (input) => input.responseBuilder.speak(SKILL_SPEECH).getResponse(),
    })
    .create();
}

export function failingSkill(): Skill {
  return SkillBuilders.custom()
    .addRequestHandlers({
      canHandle: () => true,
      handle: () => {
        throw new Error('database password is hunter2 at /srv/internal.ts:42');
      },
    })
    .create();
}

export function testConfig(verification: Partial<ServerConfig['verification']> = {}): ServerConfig {
  return {
    skillId: SKILL_ID,
    rideApi: { baseUrl: new URL('http://127.0.0.1:9/'), totalBudgetMs: 3000 },
    tokens: { mode: 'opaque' },
    logLevel: 'debug',
    host: '127.0.0.1',
    port: 0,
    verification: { enabled: true, extraCaFile: undefined, bodyLimitBytes: 256 * 1024, ...verification },
  };
}

export interface EnvelopeOptions {
  timestampMs: number;
  type?: string;
  applicationId?: string;
  /** Put the application ID only in `session` (no `context`), as older envelopes do. */
  sessionOnly?: boolean;
  timestamp?: unknown;
  padding?: number;
}

export function envelope(options: EnvelopeOptions): string {
  const application = { applicationId: options.applicationId ?? SKILL_ID };
  const user = { userId: 'amzn1.ask.account.TEST', accessToken: 'secret-access-token-marker' };
  return JSON.stringify({
    version: '1.0',
    session: { new: true, sessionId: 'amzn1.echo-api.session.TEST', application, user },
    ...(options.sessionOnly ? {} : { context: { System: { application, user, apiEndpoint: 'https://api.amazonalexa.com' } } }),
    request: {
      type: options.type ?? 'LaunchRequest',
      requestId: 'amzn1.echo-api.request.TEST',
      timestamp: 'timestamp' in options ? options.timestamp : new Date(options.timestampMs).toISOString(),
      locale: 'en-US',
      ...(options.padding ? { padding: 'x'.repeat(options.padding) } : {}),
    },
  });
}

export interface RunningApp {
  url: string;
  logLines: string[];
  close(): Promise<void>;
}

export async function startApp(options: Omit<Parameters<typeof createAlexaApp>[0], 'logger' | 'skill'> & { skill?: Skill }): Promise<RunningApp> {
  const logger = createMemoryLogger('debug');
  const app = createAlexaApp({ skill: testSkill(), logger, ...options });
  const server = await listen(app);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    logLines: logger.lines,
    close: () => closeServer(server),
  };
}

export function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
    server.once('error', reject);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; text: string; json: any }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

/** A temp file holding the given CA certificates, for `extraCaFile`. */
export async function writeCaFile(...pems: string[]): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'alexa-ca-test-'));
  const file = join(dir, 'ca.pem');
  await writeFile(file, pems.join('\n'));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
