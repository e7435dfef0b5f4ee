/**
 * The local stack in one process, on loopback: the authorization server, the bridge in front of it, the Ride Hailer
 * API, the skill endpoint with request verification on, the local Alexa cloud, and the simulator's server (linking
 * callback, the signing certificate chain, the testers' console).
 * `npm start` (local/cli/start.ts) and the end-to-end tests both start it with `startLocalStack`.
 *
 * Composed in one direction, like lambda/skill.ts's builder:
 *   1. bind  every piece's socket (port 0 or the one asked for) and keep it: all six URLs are known from here on;
 *   2. build each piece with the URLs it needs, and attach it to its socket:
 *
 *      auth server (simulator's and bridge's callbacks registered) ─issuer, JWKS─▶ Ride Hailer API
 *        ▲ upstream                                                                  ▲ bearer
 *      bridge (Alexa-facing /authorize, /token)           skill endpoint (certificate mirror = simulator server)
 *                                                           ▲ signed requests
 *      AlexaSimulator ──────────────────────────────────────┘   local Alexa cloud (ask deploy, ask dialog)
 *      simulator server, last: the callback completes the simulator's links, the console drives it, and the CLIs
 *      ask its linking API (the simulator is the link's one owner)
 *
 * No callback reads a piece built later, and no port is released to be taken again. A connection that arrives
 * before its piece is attached waits on the bound socket. A failure halfway closes what already runs. Their log
 * lines, and one line per HTTP request, are gathered by stack-logs.ts. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../common/logging.js';
import { loadServerConfig } from '../lambda/config.js';
import { createLogger, type LogSink } from '../common/logging.js';
import { startSkillServer, type SkillServer } from '../lambda/server.js';
import express from 'express';
import { createConsoleRouter } from './alexa/console/router.js';
import { createLinkApi, LINK_API_PATH } from './alexa/link-api.js';
import { CALLBACK_PATH, startCallbackServer, type CallbackServer } from './alexa/callback-server.js';
import { discoverDeployedBridgeSetup, linkingConfig, linkingSetups, PROJECT_ROOT, readAccountLinking } from './alexa/config.js';
import type { Locale } from './alexa/interaction-model.js';
import type { AccessTokenScheme, GrantType, LinkingConfig, LinkRoute } from './alexa/linking.js';
import { createRequestSigner, serveCertificateChain } from './alexa/signing.js';
import { AlexaSimulator, type ExchangeListener } from './alexa/simulator.js';
import { createSkillClient, type SendToSkill } from './alexa/skill-client.js';
import { caCertificateFile, loadOrCreateSigningMaterial } from './alexa/test-ca.js';
import { MemoryTokenStore, type TokenStore } from './alexa/token-store.js';
import { startAlexaCloud, type AlexaCloud } from './alexa-cloud/server.js';
import { LocalFunctionRunner } from './alexa-cloud/runtime/index.js';
import { createSimulationsRouter } from './alexa-cloud/simulations.js';
import { startAuthServer, type AuthServer } from './auth/server.js';
import { bindSocket, type HeldSocket } from './bound-socket.js';
import { bridgeUpstreamClient, deployedBridgeUpstreamClient, startLocalBridge } from './bridge.js';
import { DEMO } from './demo.js';
import { startRideApi, type RideApi } from './ride-api/server.js';
import { stackLogs, type ServiceName } from './stack-logs.js';

/** The pieces, by the name their log lines carry in `service`. */
export type StackPiece = ServiceName;

export interface LocalStackOptions {
  /** Loopback ports; 0 or absent = ephemeral (tests). npm start passes 3000–3003. */
  ports?: Partial<Record<StackPiece, number>>;
  /** SQLite files; default ':memory:'. npm start uses .local/auth.sqlite, .local/rides.sqlite and .local/bridge.sqlite. */
  databaseFiles?: { auth?: string; rides?: string; bridge?: string };
  /** Where the bridge's key is kept (npm start: .local/bridge-key); default a fresh key per run. */
  bridgeKeyFile?: string;
  /** The local Alexa cloud's state and deployed functions (npm start: .local/alexa-cloud); default a temp dir removed on close. */
  cloudDataDir?: string;
  /** Where the test CA and the request-signing key live (created when missing); default a temp dir removed on close. */
  signingDir?: string;
  /** The simulator's link: FileTokenStore('.local/alexa-link.json') for npm start; default a MemoryTokenStore. */
  tokenStore?: TokenStore;
  /**
   * What the CLIs present to the simulator's linking API (local/alexa/link-api.ts); npm start keeps it in
   * .local/link-api-key (mode 0600). Default a fresh key per run.
   */
  linkApiKey?: string;
  /** Default 3600; tests use a few seconds to exercise refreshes. */
  accessTokenTtlSeconds?: number;
  /** The simulator's client authentication at the token endpoint; default accountLinking.json's scheme. */
  accessTokenScheme?: AccessTokenScheme;
  /** The simulator refreshes this long before expiry; default 30 s (config.ts). Short-TTL tests want ~1. */
  refreshLeewaySeconds?: number;
  /** The simulator's locale; default en-US. */
  locale?: Locale;
  /** Receives every log line (JSON, one per line, never a token); default stdout. */
  log?: LogSink;
  /**
   * Overrides for the skill endpoint's environment (the names of lambda/config.ts), applied over what the stack
   * composes: e.g. LOG_LEVEL, RIDE_API_BUDGET_MS, OAUTH_CLOCK_TOLERANCE_S. ALEXA_VERIFY_REQUESTS stays on unless
   * this says `off` (the endpoint then logs its warning).
   */
  env?: Record<string, string | undefined>;
}

export interface LocalStack {
  urls: Record<StackPiece, string>;
  /** Plays Alexa against this stack; its callback is served by the stack's simulator server. */
  simulator: AlexaSimulator;
  /** Another Alexa (other locale, scheme or token store) against the same stack; links headlessly. */
  createSimulator(options?: SimulatorVariant): AlexaSimulator;
  /** POSTs an envelope to the skill exactly as given, signed like Alexa's (e.g. to resend a request ID). */
  sendToSkill: SendToSkill;
  auth: AuthServer;
  /** The Ride Hailer API (setFaults). */
  api: RideApi;
  /** The local Alexa cloud: what `ask deploy` deployed, and the functions it runs. */
  cloud: AlexaCloud;
  close(): Promise<void>;
}

export interface SimulatorVariant {
  locale?: Locale;
  tokenStore?: TokenStore;
  accessTokenScheme?: AccessTokenScheme;
  /** Link through the bridge instead of straight to the authorization server. */
  via?: LinkRoute;
  /** With via 'deployed-bridge': its Function URL (npm run deploy -- --bridge --local prints it). */
  deployedBridgeUrl?: string;
  /** The implicit grant (through the bridge). */
  grant?: GrantType;
  /** Sees every envelope and answer (the console's JSON pane). */
  onExchange?: ExchangeListener;
}

/** Raised when a piece cannot start, e.g. because its port is taken; says which piece and port. */
export class StackStartError extends Error {
  override name = 'StackStartError';
  /** The other pieces whose ports could not be bound in the same start (npm start names them all at once). */
  others: StackStartError[] = [];
  constructor(
    readonly piece: StackPiece,
    readonly port: number,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    const reason = code === 'EADDRINUSE' ? `port ${port} is already in use` : (cause as Error)?.message ?? 'unknown error';
    super(`the ${PIECE_NAMES[piece]} could not start: ${reason}`, { cause });
  }

  withOthers(others: StackStartError[]): this {
    this.others = others;
    return this;
  }
}

const PIECE_NAMES: Record<StackPiece, string> = {
  skill: 'skill endpoint',
  auth: 'authorization server',
  api: 'Ride Hailer API',
  simulator: 'simulator server',
  bridge: 'account-linking bridge',
  cloud: 'local Alexa cloud',
};

const HOST = '127.0.0.1';
const STACK_PIECES = Object.keys(PIECE_NAMES) as StackPiece[];

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    const problems: unknown[] = [];
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        problems.push(error);
      }
    }
    if (problems.length > 0) throw new AggregateError(problems, 'some pieces of the local stack did not close cleanly');
  };

  try {
    const logs = stackLogs(logLevelOf(options), options.log ?? ((line) => process.stdout.write(`${line}\n`)));
    closers.push(async () => logs.stop());

    // 1. Every piece's socket, bound and kept: from here on each piece's URL is known and its port is ours. A port
    //    in use stops the start here, before any piece runs. Every port is tried, so the error names all that are
    //    taken at once rather than one per restart.
    const sockets = {} as Record<StackPiece, HeldSocket>;
    const unbound: StackStartError[] = [];
    for (const piece of STACK_PIECES) {
      const port = options.ports?.[piece] ?? 0;
      try {
        sockets[piece] = await starting(piece, port, () => bindSocket(port, HOST));
      } catch (error) {
        if (!(error instanceof StackStartError)) throw error;
        unbound.push(error);
        continue;
      }
      closers.push(() => sockets[piece].release());
      logs.watch(sockets[piece].port, piece);
    }
    if (unbound.length > 0) throw unbound[0]!.withOthers(unbound.slice(1));
    const simulatorOrigin = sockets.simulator.origin;
    const redirectUri = new URL(CALLBACK_PATH, simulatorOrigin).href;

    let signingDir = options.signingDir;
    if (signingDir === undefined) {
      const temporary = await mkdtemp(join(tmpdir(), 'local-stack-ca-'));
      closers.push(() => rm(temporary, { recursive: true, force: true }));
      signingDir = temporary;
    }
    const material = await loadOrCreateSigningMaterial(signingDir);
    const sign = createRequestSigner(material);
    const tokenStore = options.tokenStore ?? new MemoryTokenStore();

    // 2. Each piece, built with the URLs it needs and attached to its socket.
    //    The authorization server knows the simulator's callback beside Alexa's redirect URLs, and the bridge as a
    //    client of its own (its callback is a redirect URI here).
    const auth = await startAuthServer({
      socket: sockets.auth,
      host: HOST,
      databaseFile: options.databaseFiles?.auth ?? ':memory:',
      extraRedirectUris: [redirectUri],
      additionalClients: [bridgeUpstreamClient(sockets.bridge.origin), deployedBridgeUpstreamClient()],
      ...(options.accessTokenTtlSeconds !== undefined ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
      log: logs.text('auth'),
    });
    closers.push(() => auth.close());

    // The bridge in front of it, as seed 003 draws it: Alexa's authorization and token URIs point here.
    const bridge = await startLocalBridge({
      socket: sockets.bridge,
      upstream: { authorizationUrl: auth.authorizationUrl, tokenUrl: auth.tokenUrl },
      simulatorOrigin,
      ...(options.databaseFiles?.bridge ? { dataFile: options.databaseFiles.bridge } : {}),
      ...(options.bridgeKeyFile ? { keyFile: options.bridgeKeyFile } : {}),
      logger: createLogger(logLevelOf(options), logs.json('bridge')),
    });
    closers.push(() => bridge.close());

    // The Ride Hailer API trusts the authorization server's tokens and reads profiles from its user directory.
    const api = await startRideApi({
      socket: sockets.api,
      host: HOST,
      issuer: auth.url,
      jwksUrl: auth.jwksUrl,
      audience: DEMO.apiAudience,
      databaseFile: options.databaseFiles?.rides ?? ':memory:',
      profiles: (sub) => auth.users.findById(sub),
      logger: createLogger(logLevelOf(options), logs.json('api')),
    });
    closers.push(() => api.close());

    // The skill endpoint, configured the way a deployment is: through the environment, validated by loadServerConfig.
    // It downloads the signing chain from the simulator's server (attached below, before anyone talks to the skill).
    const config = loadServerConfig({
      ALEXA_SKILL_ID: DEMO.skillId,
      RIDE_API_URL: api.url,
      OAUTH_ISSUER: auth.url,
      OAUTH_AUDIENCE: DEMO.apiAudience,
      OAUTH_JWKS_URL: auth.jwksUrl,
      OAUTH_TOKEN_TYPE: 'at+jwt',
      OAUTH_ALGORITHMS: 'ES256',
      ALEXA_EXTRA_CA_FILE: caCertificateFile(signingDir),
      ALEXA_CERT_MIRROR_URL: simulatorOrigin,
      HOST,
      PORT: String(sockets.skill.port),
      ...options.env,
    });
    const skill: SkillServer = await startSkillServer(config, { socket: sockets.skill, logger: createLogger(config.logLevel, logs.json('skill')) });
    closers.push(() => skill.close());

    // Alexa itself, with every way to link (direct, bridge, bridge + implicit), so a simulator completes and
    // refreshes any of them. The bridge deployed to this stack's cloud exists only after
    // `npm run deploy -- --bridge --local`: its setup is looked up when a link made through it is completed or refreshed.
    const declared = await readAccountLinking(join(PROJECT_ROOT, 'skill-package'));
    const linkingEnv = {
      AUTH_AUTHORIZATION_URL: auth.authorizationUrl,
      AUTH_TOKEN_URL: auth.tokenUrl,
      BRIDGE_AUTHORIZATION_URL: `${bridge.url}/authorize`,
      BRIDGE_TOKEN_URL: `${bridge.url}/token`,
    };
    const setups = linkingSetups(declared, linkingEnv, sockets.simulator.port);
    const discoverLinkingSetup = discoverDeployedBridgeSetup(declared, linkingEnv, sockets.simulator.port, sockets.cloud.origin);
    const simulatorLogger = createLogger(config.logLevel, logs.json('simulator'));
    const createSimulator = (variant: SimulatorVariant = {}): AlexaSimulator => {
      const scheme = variant.accessTokenScheme ?? options.accessTokenScheme;
      const adjusted = setups.map((setup): LinkingConfig => {
        const linking = { ...setup };
        if (scheme !== undefined) linking.accessTokenScheme = scheme;
        if (options.refreshLeewaySeconds !== undefined) linking.refreshLeewaySeconds = options.refreshLeewaySeconds;
        return linking;
      });
      const grant = variant.grant ?? 'AUTH_CODE';
      const route = variant.via ?? (grant === 'IMPLICIT' ? 'bridge' : 'direct');
      const deployed =
        route === 'deployed-bridge' && variant.deployedBridgeUrl
          ? [linkingConfig(declared, { ...linkingEnv, DEPLOYED_BRIDGE_URL: variant.deployedBridgeUrl }, sockets.simulator.port, { route, grant })].map((setup) => ({
              ...setup,
              ...(scheme === undefined ? {} : { accessTokenScheme: scheme }),
              ...(options.refreshLeewaySeconds === undefined ? {} : { refreshLeewaySeconds: options.refreshLeewaySeconds }),
            }))
          : [];
      const linking = [...adjusted, ...deployed].find((setup) => setup.route === route && setup.grant === grant);
      if (!linking) throw new Error(`the local stack cannot link with the ${grant} grant through the ${route} route`);
      return new AlexaSimulator({
        skillEndpoint: skill.url,
        locale: variant.locale ?? options.locale ?? 'en-US',
        linking,
        linkingAlternatives: adjusted,
        tokenStore: variant.tokenStore ?? tokenStore,
        discoverLinkingSetup,
        sign,
        skillId: DEMO.skillId,
        logger: simulatorLogger,
        ...(variant.onExchange ? { onExchange: variant.onExchange } : {}),
      });
    };
    const simulator = createSimulator();

    // The local Alexa cloud, for the real ASK CLI: `ask deploy` lands here, the deployed function runs under AWS's
    // runtime interface client, and `ask dialog` talks to it as the simulator's user (the same linked account).
    let cloudDataDir = options.cloudDataDir;
    if (cloudDataDir === undefined) {
      const temporary = await mkdtemp(join(tmpdir(), 'local-stack-cloud-'));
      closers.push(() => rm(temporary, { recursive: true, force: true }));
      cloudDataDir = temporary;
    }
    const cloudLogger = createLogger(logLevelOf(options), logs.json('cloud'));
    const runner = new LocalFunctionRunner({ dataDir: cloudDataDir, log: (line) => cloudLogger.info('function_log', { line }) });
    closers.push(() => runner.close());
    const cloud = await startAlexaCloud({
      socket: sockets.cloud,
      host: HOST,
      dataDir: cloudDataDir,
      runner,
      log: logs.json('cloud'),
      logLevel: logLevelOf(options),
      routes: ({ skills, alexaTriggerProblem }) => [createSimulationsRouter({ skills, runner, alexaTriggerProblem, accessToken: () => simulator.accessToken() })],
    });
    closers.push(() => cloud.close());

    // The simulator's server last, as everything it serves exists now: the linking callback (completed by the
    // stack's simulator), the signing chain the skill downloads, and the testers' console.
    const simulatorServer: CallbackServer = await startCallbackServer({
      socket: sockets.simulator,
      port: sockets.simulator.port,
      host: HOST,
      onCallback: (url) => simulator.completeLinking(url),
      handlers: [
        serveCertificateChain(material),
        // The one owner of the link: the CLIs read and change it here, and wait here for a link's outcome.
        express.Router().use(LINK_API_PATH, createLinkApi({ simulator, createSimulator, revocationUrl: auth.revocationUrl, key: options.linkApiKey ?? randomBytes(32).toString('base64url') })),
        createConsoleRouter({ createSimulator, revocationUrl: auth.revocationUrl, api }),
      ],
      consolePath: '/',
    });
    closers.push(() => simulatorServer.close());

    return {
      urls: { skill: skill.url.replace(/\/$/, ''), auth: auth.url, api: api.url, simulator: simulatorServer.url.origin, bridge: bridge.url, cloud: cloud.url },
      simulator,
      createSimulator,
      sendToSkill: createSkillClient({ endpoint: skill.url, sign }),
      auth,
      api,
      cloud,
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => undefined); // the start failure is the news, not a close problem after it
    throw error;
  }
}

function logLevelOf(options: LocalStackOptions): LogLevel {
  const requested = options.env?.LOG_LEVEL?.trim().toLowerCase() as LogLevel | undefined;
  return requested && LOG_LEVELS.includes(requested) ? requested : 'info';
}

async function starting<T>(piece: StackPiece, port: number | undefined, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new StackStartError(piece, port ?? 0, code, error);
    throw error;
  }
}
