/**
 * A loopback port bound now and kept: the local stack binds every piece's socket before it builds any piece, so a
 * URL is known because its port is already held — never "find a free port, close it, hope it is still free".
 *
 * A connection that arrives before its server is attached (a browser reloading the console while npm start starts)
 * waits, paused, and is handed to the server when it attaches; it is never dropped or answered by nobody.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { BoundSocket } from '../common/listen.js';

export interface HeldSocket extends BoundSocket {
  readonly host: string;
  readonly port: number;
  /** http://host:port, for the pieces that need this one's address. */
  readonly origin: string;
  /** Closes the socket (and the connections waiting on it) when no server was attached, e.g. a start failed. */
  release(): Promise<void>;
}

export async function bindSocket(port: number, host: string): Promise<HeldSocket> {
  // Paused: nothing is read from an early connection until the server that understands it takes it over.
  const holder = createServer({ pauseOnConnect: true });
  const waiting = new Set<Socket>();
  holder.on('connection', (socket) => {
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
  });
  holder.listen(port, host);
  await once(holder, 'listening'); // rejects with the bind error (EADDRINUSE, EACCES)
  const bound = (holder.address() as AddressInfo).port;
  let attached: Server | undefined;

  return {
    host,
    port: bound,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    async attach(server) {
      if (attached) throw new Error(`the socket on port ${bound} is already attached to a server`);
      attached = server;
      // Node's listen(handle): the server takes over the bound socket itself, with its own connection handling.
      server.listen(holder);
      await once(server, 'listening');
      for (const socket of waiting) {
        server.emit('connection', socket);
        socket.resume();
      }
      waiting.clear();
    },
    async release() {
      if (attached) return; // the server owns the socket now; closing the server closes it
      for (const socket of waiting) socket.destroy();
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    },
  };
}
