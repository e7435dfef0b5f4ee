/**
 * `tsx local/alexa-cloud/main.ts`: the local Alexa cloud on its own (control plane only — no function runner; `npm
 * start` wires the runner in). ALEXA_CLOUD_PORT (3005), ALEXA_CLOUD_DATA_DIR (.local/alexa-cloud), LOG_LEVEL.
 * Prints the environment that points `ask deploy` at it.
 */
import { resolve } from 'node:path';
import { DEFAULT_ALEXA_CLOUD_PORT, startAlexaCloud } from './server.js';

const rawPort = process.env.ALEXA_CLOUD_PORT?.trim();
const port = rawPort ? Number(rawPort) : DEFAULT_ALEXA_CLOUD_PORT;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`ALEXA_CLOUD_PORT: "${rawPort}" must be a port number (0–65535)`);
  process.exit(1);
}
const level = process.env.LOG_LEVEL?.trim().toLowerCase();
const cloud = await startAlexaCloud({
  port,
  dataDir: resolve(process.env.ALEXA_CLOUD_DATA_DIR ?? '.local/alexa-cloud'),
  ...(level === 'debug' || level === 'info' || level === 'warn' || level === 'error' || level === 'silent' ? { logLevel: level } : {}),
});
const env = Object.entries(cloud.cliEnvironment()).map(([name, value]) => `${name}='${value}'`).join(' \\\n  ');
process.stderr.write(`Local Alexa cloud on ${cloud.url}. Point the ASK CLI at it with:\n  ${env} \\\n  npx ask deploy\n`);
const stop = () => void cloud.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
