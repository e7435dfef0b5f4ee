/**
 * `npm run fault`: switches the Ride Hailer API's faults of the running npm start, through the simulator's console
 * (the API itself has no admin route unless RIDE_API_ADMIN_ROUTES=1). `npm run fault -- --help` lists them.
 */
import { ConfigError } from '../../common/env.js';
import { stackUrl } from '../environment.js';
import { renderError } from '../alexa/render.js';
import { ensureStackRunning } from '../alexa/stack-check.js';
import { parseFaults, type Faults } from '../ride-api/faults.js';

const HELP = `npm run fault — make npm start's Ride Hailer API misbehave, to hear the skill's answers to it

Usage: npm run fault [-- SWITCH ...]   (no switch: show the faults in force)

  status=CODE        answer every API request with this status (400–599)    npm run fault -- status=503
  retry-after=S      send Retry-After: S with the forced status              npm run fault -- status=429 retry-after=1
  latency=MS         add this delay before every answer                      npm run fault -- latency=2500
  hang               accept requests and never answer                        npm run fault -- hang
  malformed          cut every JSON answer in half                           npm run fault -- malformed
  refuse-tokens      refuse every access token with 401 (as if revoked)       npm run fault -- refuse-tokens
  off                switch every fault off                                  npm run fault -- off
  --help             this text

Switches add to those in force; "off" first clears them (npm run fault -- off status=500).
Other ports: SIMULATOR_PORT and PORT as for npm start. The console (npm start's simulator URL, /) has the same switches.`;

type Env = Record<string, string | undefined>;

/** `status=503 hang` on top of the faults in force → the new faults. */
function applySwitches(current: Faults, switches: string[]): Faults {
  let faults: Record<string, unknown> = { ...current };
  for (const raw of switches) {
    const [name = '', value] = raw.split('=', 2);
    const number = () => {
      const parsed = Number(value);
      if (value === undefined || value === '' || !Number.isInteger(parsed)) throw new ConfigError(name, `"${raw}" needs a whole number, e.g. ${name}=${name === 'status' ? 503 : 1000}`);
      return parsed;
    };
    switch (name) {
      case 'off':
        faults = {};
        break;
      case 'status':
        faults.status = number();
        break;
      case 'retry-after':
        faults.retryAfterSeconds = number();
        break;
      case 'latency':
        faults.latencyMs = number();
        break;
      case 'hang':
        faults.hang = true;
        break;
      case 'malformed':
        faults.malformedJson = true;
        break;
      case 'refuse-tokens':
        faults.refuseAllTokens = true;
        break;
      default:
        throw new ConfigError(raw, 'unknown switch'); // printed with "(see --help)"
    }
  }
  return parseFaults(faults);
}

/** Each fault under the switch that sets it, so what is printed can be typed back. */
const SWITCH_OF: Record<string, string> = {
  status: 'status',
  retryAfterSeconds: 'retry-after',
  latencyMs: 'latency',
  hang: 'hang',
  malformedJson: 'malformed',
  refuseAllTokens: 'refuse-tokens',
};

function describeFaults(faults: Faults): string {
  const parts = Object.entries(faults)
    .filter(([, value]) => value !== undefined && value !== false && value !== 0)
    .map(([field, value]) => {
      const name = SWITCH_OF[field] ?? field;
      return value === true ? name : `${name}=${String(value)}`;
    });
  return parts.length === 0 ? 'No API faults: the Ride Hailer API answers normally.' : `API faults in force: ${parts.join(', ')}.`;
}

async function main(argv: string[], env: Env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const simulatorUrl = stackUrl(env, 'simulator');
  await ensureStackRunning({ simulatorUrl, skillEndpoint: stackUrl(env, 'skill') });
  const state = await fetch(new URL('/console/api/state', simulatorUrl));
  const { faults: current } = (await state.json()) as { faults: Faults };
  if (argv.length === 0) {
    console.log(describeFaults(current));
    return 0;
  }
  const next = applySwitches(current, argv);
  const response = await fetch(new URL('/console/api/faults', simulatorUrl), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(next),
  });
  const answer = (await response.json()) as { faults?: Faults; error?: string };
  if (!response.ok || !answer.faults) {
    console.error(`npm run fault: the simulator refused it: ${answer.error ?? response.status}`);
    return 1;
  }
  console.log(describeFaults(answer.faults));
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(renderError(error));
    process.exit(1);
  },
);
