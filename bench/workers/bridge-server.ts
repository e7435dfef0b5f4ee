// The bridge in its own process (configured from BRIDGE_* like `tsx bridge/server.ts`); prints its URL.
// BENCH_RATE_LIMITS=off: the same bridge without its rate limits (the baseline of their cost; no BRIDGE_ setting
// turns them off).
import { loadBridgeConfig, startBridgeServer } from '../../bridge/server.js';

const bridge = await startBridgeServer(await loadBridgeConfig(process.env), { port: 0, ...(process.env.BENCH_RATE_LIMITS === 'off' ? { rateLimits: 'off' as const } : {}) });
process.stdout.write(`${bridge.url}\n`);
process.on('SIGTERM', () => void bridge.close().then(() => process.exit(0)));
