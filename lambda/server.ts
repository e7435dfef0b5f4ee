/**
 * Self-hosted entry: the same skill served over HTTPS-terminating infrastructure (or the local stack) by express and
 * ask-sdk-express-adapter, with Alexa request verification on unless ALEXA_VERIFY_REQUESTS=off.
 *
 *   tsx lambda/server.ts        (reads the environment; see docs/skill.md, "Configuration")
 */
import { createServer } from 'node:http';
import { ConfigError, loadServerConfig, type ServerConfig } from './config.js';
import { createAlexaApp } from './http/app.js';
import { capConnections, DEFAULT_CONNECTION_LIMITS, serverOptions, type ConnectionLimits } from './http/connection-limits.js';
import { createLogger, type Logger } from '../common/logging.js';
import { listen, type BoundSocket } from '../common/listen.js';
import { isMainModule } from '../common/main-module.js';
import { buildSkill, productionDeps, type SkillDeps } from './skill.js';

export interface SkillServer {
  url: string;
  close(): Promise<void>;
}

export interface SkillServerOptions {
  logger?: Logger;
  deps?: Partial<SkillDeps>;
  /** For tests: shorter timeouts or a smaller cap than lambda/http/connection-limits.ts's defaults. */
  connectionLimits?: Partial<ConnectionLimits>;
  /** A socket already bound (the local stack binds every piece first); default: listen on config.host:config.port. */
  socket?: BoundSocket;
}

export async function startSkillServer(config: ServerConfig, options: SkillServerOptions = {}): Promise<SkillServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // The HTTP layer checks the skill ID before dispatch and answers a mismatch with 400; the SDK's own check would
  // turn it (or an envelope without `context`) into a 500, so it is left to that layer here.
  const skill = buildSkill({ ...productionDeps(config, logger), skillId: undefined, ...options.deps });
  const app = createAlexaApp({ skill, config, logger });
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits };
  const server = createServer(serverOptions(limits), app);
  capConnections(server, limits);
  const { port } = await listen(server, { port: config.port, host: config.host, socket: options.socket });
  const url = `http://${config.host}:${port}/`;
  logger.info('skill_server_listening', { url, verification: config.verification.enabled ? 'on' : 'off' });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

if (isMainModule(import.meta)) {
  try {
    const server = await startSkillServer(loadServerConfig());
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(1);
  }
}
