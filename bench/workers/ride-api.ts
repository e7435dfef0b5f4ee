// The Ride Hailer API in its own process, so the skill process's CPU figures contain only the skill's work.
import { createLogger } from '../../common/logging.js';
import { startRideApi } from '../../local/ride-api/server.js';

const api = await startRideApi({
  issuer: process.env.BENCH_ISSUER!,
  jwksUrl: process.env.BENCH_JWKS_URL!,
  profiles: async (sub) => ({ id: sub, name: 'Ann Example', email: 'ann@example.com' }),
  logger: createLogger('silent'),
});
process.stdout.write(`${api.url}\n`);
process.on('SIGTERM', () => void api.close().then(() => process.exit(0)));
