/**
 * What the local Alexa cloud accepts unless told otherwise, and where it listens: a leaf module (nothing but
 * demo.ts), so `npm run deploy -- --local` reads these without loading the emulator (local/alexa-cloud/server.ts).
 */
import { DEFAULT_PORTS } from './demo.js';

/** Credentials the cloud accepts unless told otherwise; local-only values, like the demo login. */
export const LOCAL_CLOUD_CREDENTIALS = {
  accessToken: 'Atza|local-alexa-cloud-access-token',
  refreshToken: 'Atzr|local-alexa-cloud-refresh-token',
  vendorId: 'M1LOCALVENDOR',
  awsAccessKeyId: 'AKIALOCALALEXACLOUD0',
  awsSecretAccessKey: 'local-alexa-cloud-secret-not-checked',
  awsAccountId: '000000000000',
  awsRegion: 'us-east-1',
} as const;

export const DEFAULT_ALEXA_CLOUD_PORT = DEFAULT_PORTS.cloud;
