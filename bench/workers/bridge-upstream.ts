// The local authorization server in its own process, as the bridge's upstream (the bridge registered as a second
// client) and as the direct baseline; prints its issuer URL.
import { startAuthServer } from '../../local/auth/server.js';

const auth = await startAuthServer({
  log: () => {},
  extraRedirectUris: [process.env.BENCH_DIRECT_CALLBACK!],
  additionalClients: [{ clientId: process.env.BENCH_BRIDGE_CLIENT_ID!, clientSecret: process.env.BENCH_BRIDGE_CLIENT_SECRET!, redirectUris: [process.env.BENCH_BRIDGE_CALLBACK!] }],
});
process.stdout.write(`${auth.url}\n`);
process.on('SIGTERM', () => void auth.close().then(() => process.exit(0)));
