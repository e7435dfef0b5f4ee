/**
 * The bridge's routes are written against these two plain shapes, not against express or a Lambda event, so the
 * same code answers behind `bridge/server.ts` (express) and `bridge/index.ts` (Lambda Function URL / HTTP API).
 */

export interface BridgeRequest {
  method: string;
  /** Path without query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body (already size-limited by the adapter). */
  body: string;
  /** The connection's peer: the socket's remote address, or a Function URL event's sourceIp (bridge/client-address.ts). */
  peerAddress?: string;
}

export interface BridgeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
