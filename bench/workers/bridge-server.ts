// The bridge in its own process (configured from BRIDGE_* like `tsx bridge/server.ts`); prints its URL.
import { loadBridgeConfig, startBridgeServer } from '../../bridge/server.js';

const bridge = await startBridgeServer(await loadBridgeConfig(process.env), { port: 0 });
process.stdout.write(`${bridge.url}\n`);
process.on('SIGTERM', () => void bridge.close().then(() => process.exit(0)));
