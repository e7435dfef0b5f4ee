/**
 * Where an HTTP server listens: a port on a host (0 = any free one), or a socket bound earlier and kept open by
 * whoever composes several servers. The local stack binds every piece's socket first, so each piece's URL is known
 * (and reserved) before any piece is built with the URLs of the others (local/bound-socket.ts).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening socket waiting for the server that will answer on it. */
export interface BoundSocket {
  /** Makes `server` listen on this socket and answer the connections that arrived before it was attached. */
  attach(server: Server): Promise<void>;
}

export interface ListenTarget {
  port: number;
  host: string;
  /** When given, the server takes over this socket instead of binding `host:port` itself. */
  socket?: BoundSocket | undefined;
}

/** Listens (or attaches to the bound socket) and answers the address actually served; a bind failure rejects. */
export async function listen(server: Server, target: ListenTarget): Promise<AddressInfo> {
  if (target.socket) {
    await target.socket.attach(server);
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(target.port, target.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  return server.address() as AddressInfo;
}
