/** The local Alexa cloud's public surface (see server.ts). */
export { DEFAULT_ALEXA_CLOUD_PORT, LOCAL_CLOUD_CREDENTIALS, startAlexaCloud } from './server.js';
export type { AlexaCloud, AlexaCloudOptions, RouteDeps } from './server.js';
export { SUPPORTED_RUNTIMES } from './functions.js';
export * from './contracts.js';
