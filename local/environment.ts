/**
 * The local stack's environment, read in one place: the variable that moves each piece to another port (and its
 * default), and the data directory. npm start, link, dialog, fault, reset and the simulator's configuration read
 * it here, so a bad value gets the same clear ConfigError whichever command meets it first.
 */
import { ConfigError, optional, type Env } from '../common/env.js';
import { DEFAULT_PORTS } from './demo.js';
import type { ServiceName } from './stack-logs.js';

export type StackPiece = ServiceName;

/** The variable that moves each piece; its default is DEFAULT_PORTS (local/demo.ts). */
export const PORT_VARIABLES: Readonly<Record<StackPiece, string>> = {
  skill: 'PORT',
  auth: 'AUTH_PORT',
  api: 'API_PORT',
  simulator: 'SIMULATOR_PORT',
  bridge: 'BRIDGE_PORT',
  cloud: 'ALEXA_CLOUD_PORT',
};

const PIECES = Object.keys(PORT_VARIABLES) as StackPiece[];

/** A piece's port from its variable, or the default; 0 means "any free port" (npm start only). */
export function stackPort(env: Env, piece: StackPiece): number {
  const variable = PORT_VARIABLES[piece];
  const raw = optional(env, variable);
  if (raw === undefined) return DEFAULT_PORTS[piece];
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new ConfigError(variable, `"${raw}" must be a port number (0–65535)`);
  return port;
}

export function stackPorts(env: Env): Record<StackPiece, number> {
  return Object.fromEntries(PIECES.map((piece) => [piece, stackPort(env, piece)])) as Record<StackPiece, number>;
}

/** Where a running stack's piece answers, for the commands that talk to it. */
export function stackUrl(env: Env, piece: StackPiece): URL {
  return new URL(`http://127.0.0.1:${stackPort(env, piece)}/`);
}

/** The project's root and the data directory live in the leaf paths.ts (the deploy rehearsal reads them too). */
export { localDataDir, PROJECT_ROOT } from './paths.js';
