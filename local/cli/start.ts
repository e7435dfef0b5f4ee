/**
 * `npm start`: the whole local stack in one process — authorization server, the account-linking bridge, Ride Hailer
 * API, the Alexa simulator's server, the skill endpoint (request verification on) and the local Alexa cloud the real
 * ASK CLI deploys to — with state in .local/ (or LOCAL_DATA_DIR).
 *
 *   PORT (3000)  AUTH_PORT (3001)  API_PORT (3002)  SIMULATOR_PORT (3003)  BRIDGE_PORT (3004)  ALEXA_CLOUD_PORT (3005)
 *   LOCAL_DATA_DIR (.local)
 *   and the skill's own settings: LOG_LEVEL, ALEXA_VERIFY_REQUESTS, RIDE_API_BUDGET_MS, OAUTH_CLOCK_TOLERANCE_S, …
 *
 * Logs are JSON lines on stdout, one per request from every piece (never a token). Ctrl-C or SIGTERM stops
 * everything and exits 0; a start failure exits 1 with one line saying what to change.
 */
import { join, relative } from 'node:path';
import { ConfigError } from '../../common/env.js';
import { localDataDir, PORT_VARIABLES, stackPorts } from '../environment.js';
import { answersAsSimulator } from '../alexa/simulator.js';
import { LINK_API_KEY_FILE } from '../alexa/config.js';
import { FileTokenStore } from '../alexa/token-store.js';
import { persistentKey } from '../key-file.js';
import { DEFAULT_PORTS, DEMO } from '../demo.js';
import { StackStartError, startLocalStack, type LocalStack, type StackPiece } from '../stack.js';

/** The skill settings npm start passes on; the URLs, issuer and CA file are the stack's business. */
const SKILL_SETTINGS = [
  'LOG_LEVEL',
  'ALEXA_VERIFY_REQUESTS',
  'ALEXA_BODY_LIMIT_BYTES',
  'ALEXA_CERT_DOWNLOAD_TIMEOUT_MS',
  'RIDE_API_BUDGET_MS',
  'OAUTH_CLOCK_TOLERANCE_S',
] as const;

const HELP = `npm start — the whole local stack on 127.0.0.1, state in .local/ (LOCAL_DATA_DIR)

Usage: npm start [-- --help]          Ctrl-C stops it ("stopped", exit 0).

Pieces and their ports (each can be changed with its variable):
  PORT=3000              the skill endpoint (Alexa request verification on)
  AUTH_PORT=3001         the OAuth 2.0 authorization server (login, consent, tokens)
  API_PORT=3002          the Ride Hailer API
  SIMULATOR_PORT=3003    the Alexa simulator: linking callback and the testers' console at /
  BRIDGE_PORT=3004       the account-linking bridge
  ALEXA_CLOUD_PORT=3005  the local Alexa cloud for the real ASK CLI
  e.g. PORT=4000 SIMULATOR_PORT=4003 npm start

Settings passed on to the skill: LOG_LEVEL (debug|info|warn|error|silent), ALEXA_VERIFY_REQUESTS (on|off),
ALEXA_BODY_LIMIT_BYTES, ALEXA_CERT_DOWNLOAD_TIMEOUT_MS, RIDE_API_BUDGET_MS, OAUTH_CLOCK_TOLERANCE_S
  e.g. LOG_LEVEL=warn npm start
API faults from the start: RIDE_API_FAULT_STATUS, RIDE_API_FAULT_LATENCY_MS, … (or later: npm run fault)
  e.g. RIDE_API_FAULT_STATUS=503 npm start

Then, in another terminal: npm run link, npm run dialog, npm run fault (each with --help);
npm run reset (with the stack stopped) restores the demo data.`;

/** A second Ctrl-C this soon after the first is the same keypress delivered twice (the terminal and tsx both send it). */
const SAME_SIGNAL_MS = 1000;

/** Closing waits for requests in flight; after this long the process leaves anyway. */
const CLOSE_DEADLINE_MS = 5000;

type Env = Record<string, string | undefined>;

function skillSettings(env: Env): Env {
  return Object.fromEntries(SKILL_SETTINGS.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/** What the CLIs need in front of them to find this stack when it does not run on the defaults. */
function cliPrefix(stack: LocalStack, env: Env): string {
  const parts = (Object.entries(PORT_VARIABLES) as Array<[StackPiece, string]>)
    .map(([piece, variable]) => [variable, new URL(stack.urls[piece]).port, String(DEFAULT_PORTS[piece])] as const)
    .filter(([, actual, fallback]) => actual !== fallback)
    .map(([variable, actual]) => `${variable}=${actual}`);
  if (env.LOCAL_DATA_DIR?.trim()) parts.push(`LOCAL_DATA_DIR=${env.LOCAL_DATA_DIR.trim()}`);
  return parts.length > 0 ? `${parts.join(' ')} ` : '';
}

function banner(stack: LocalStack, dataDir: string, env: Env): string {
  const verification = env.ALEXA_VERIFY_REQUESTS?.trim().toLowerCase() === 'off' ? 'request verification OFF — never expose it' : 'Alexa request verification on';
  const prefix = cliPrefix(stack, env);
  const shownDir = relative(process.cwd(), dataDir) || '.';
  return [
    '',
    `Ride Hailer local stack is running (state in ${shownDir.startsWith('..') ? dataDir : shownDir}/):`,
    `  skill endpoint        ${stack.urls.skill}/  (${verification})`,
    `  authorization server  ${stack.urls.auth}  (login at /auth, tokens at /token)`,
    `  Ride Hailer API       ${stack.urls.api}`,
    `  Alexa simulator       ${stack.urls.simulator}  (linking callback /link/callback)`,
    `  testers' console      ${stack.urls.simulator}/  (the Test tab: talk, link, expire, revoke, faults, JSON in and out)`,
    `  linking bridge        ${stack.urls.bridge}  (Alexa-facing /authorize and /token in front of the authorization server)`,
    `  local Alexa cloud     ${stack.urls.cloud}  (SMAPI, LWA, IAM and Lambda for the real ASK CLI)`,
    '',
    `Demo login (demo-only, never use it anywhere else): ${DEMO.user.email} / ${DEMO.user.password}`,
    '',
    'Next, in another terminal:',
    '  link the account in a browser (prints the URL to open), or headlessly:',
    `    ${prefix}npm run link`,
    `    ${prefix}npm run link -- --user ${DEMO.user.email} --password ${DEMO.user.password}`,
    '  …or through the bridge, with the code grant or the implicit grant (token in the redirect\'s fragment):',
    `    ${prefix}npm run link -- --via bridge`,
    `    ${prefix}npm run link -- --grant implicit`,
    '  talk to the skill:',
    `    ${prefix}npm run dialog`,
    `    ${prefix}npm run dialog -- --say "order a ride to the airport"`,
    '  deploy with the real ASK CLI to the local Alexa cloud, then talk to the deployed function:',
    `    ${prefix}npm run deploy -- --local      (prints the \`npx ask dialog --replay …\` command to run next)`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

function startFailure(error: unknown): string {
  if (error instanceof StackStartError) return [error, ...error.others].map(portFailure).join('\n');
  if (error instanceof ConfigError) return `npm start: configuration error: ${error.message}`;
  return `npm start: could not start the local stack: ${error instanceof Error ? error.message : 'unknown error'}`;
}

function portFailure(error: StackStartError): string {
  const variable = PORT_VARIABLES[error.piece];
  if (error.code === 'EADDRINUSE') {
    return `npm start: port ${error.port} (${variable}) is already in use — stop what uses it or choose another port, e.g. ${variable}=${error.port + 1000} npm start`;
  }
  return `npm start: ${error.message} (${variable}=${error.port})`;
}

/** npm start run twice: the simulator port answers as the simulator of a stack that already runs. */
async function alreadyRunning(ports: Record<StackPiece, number>): Promise<string | undefined> {
  if (ports.simulator === 0) return undefined;
  const url = new URL(`http://127.0.0.1:${ports.simulator}/`);
  return (await answersAsSimulator(url)) ? url.origin : undefined;
}

async function main(): Promise<void> {
  const env = process.env;
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  let stack: LocalStack;
  let dataDir: string;
  try {
    const ports = stackPorts(env);
    const running = await alreadyRunning(ports);
    if (running !== undefined) {
      process.stdout.write(`npm start: the local stack is already running (its simulator answers at ${running}, the console at ${running}/); use it, or stop it with Ctrl-C in its terminal first.\n`);
      process.exit(0);
    }
    dataDir = localDataDir(env);
    stack = await startLocalStack({
      ports,
      databaseFiles: { auth: join(dataDir, 'auth.sqlite'), rides: join(dataDir, 'rides.sqlite'), bridge: join(dataDir, 'bridge.sqlite') },
      bridgeKeyFile: join(dataDir, 'bridge-key'),
      cloudDataDir: join(dataDir, 'alexa-cloud'),
      signingDir: join(dataDir, 'alexa-ca'),
      tokenStore: new FileTokenStore(join(dataDir, 'alexa-link.json')),
      linkApiKey: await persistentKey(join(dataDir, LINK_API_KEY_FILE)),
      env: skillSettings(env),
    });
  } catch (error) {
    process.stderr.write(`${startFailure(error)}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(stack, dataDir, env));

  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_SIGNAL_MS) return;
      process.stderr.write(`npm start: ${signal} again, leaving without waiting\n`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    process.stderr.write(`npm start: ${signal} received, stopping the local stack …\n`);
    setTimeout(() => {
      process.stderr.write('npm start: some connections did not close in time; leaving anyway\n');
      process.exit(0);
    }, CLOSE_DEADLINE_MS).unref();
    stack.close().then(
      () => {
        process.stderr.write('npm start: stopped.\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`npm start: stopped, but not cleanly: ${error instanceof Error ? error.message : 'unknown error'}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
