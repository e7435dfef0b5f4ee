/**
 * Limits on how long and how many clients may hold a connection to the skill endpoint, so a slow or idle client
 * (slowloris: headers or a body sent a byte at a time) cannot hold sockets past what Alexa itself would wait.
 *
 * Alexa gives a skill 8 s to answer, and sends a small body in one go: a request whose headers take longer than
 * 5 s, or which is not fully received in 8 s, is not Alexa, and Node answers it 408 and closes the socket.
 * Keep-alive stays at 65 s so a load balancer in front (idle timeout 60 s) never reuses a socket we just closed;
 * idle keep-alive sockets are the first to go when the connection cap is reached.
 */
import type { Server } from 'node:http';

export interface ConnectionLimits {
  /** Time from connection (or the start of the next request) until the headers are complete. */
  headersTimeoutMs: number;
  /** Time from connection until the whole request, body included, has been received. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive socket is kept. */
  keepAliveTimeoutMs: number;
  /** Open sockets at once; beyond it Node drops new connections. */
  maxConnections: number;
  /** How often Node sweeps connections for the two request timeouts (its default, 30 s, would let a slow client stay 30 s too long). */
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 8_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1_024,
  checkIntervalMs: 1_000,
};

/** Options for `http.createServer` (the sweep interval can only be set there). */
export function serverOptions(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** The cap, and when it drops a client, idle keep-alive sockets are closed so the next attempt gets in. */
export function capConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
  // Not logged: under a flood that would be one line per dropped socket.
  server.on('drop', () => server.closeIdleConnections());
}
