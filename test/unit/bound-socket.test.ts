/**
 * A socket bound now and served later (local/bound-socket.ts): the port is held from the bind on, a connection that
 * arrives before the server is answered by it once attached, and a socket never attached is released.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'chai';
import { bindSocket } from '../../local/bound-socket.js';

describe('bindSocket', () => {
  it('holds the port from the bind on: another bind of it fails with EADDRINUSE', async () => {
    const held = await bindSocket(0, '127.0.0.1');
    try {
      const second = await bindSocket(held.port, '127.0.0.1').catch((error: unknown) => error);
      expect(second).to.have.property('code', 'EADDRINUSE');
      expect(held.origin).to.equal(`http://127.0.0.1:${held.port}`);
    } finally {
      await held.release();
    }
  });

  it('hands a connection that came before the server to it: the early request is answered once the server attaches', async () => {
    const held = await bindSocket(0, '127.0.0.1');
    const server = createServer((req, res) => res.end(`answered ${req.url}`));
    try {
      const client = connect(held.port, '127.0.0.1');
      await once(client, 'connect');
      client.write('GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      let received = '';
      client.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      const ended = once(client, 'end');
      await held.attach(server);
      await ended;
      expect(received).to.match(/^HTTP\/1\.1 200/).and.include('answered /early');
      expect(await (await fetch(`${held.origin}/late`)).text()).to.equal('answered /late');
      expect(server.address()).to.deep.include({ port: held.port });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a second server on the same socket', async () => {
    const held = await bindSocket(0, '127.0.0.1');
    const first = createServer();
    try {
      await held.attach(first);
      const again = await held.attach(createServer()).catch((error: unknown) => error);
      expect(again).to.be.instanceOf(Error).with.property('message').that.includes('already attached');
    } finally {
      await new Promise((resolve) => first.close(resolve));
    }
  });

  it('release closes a socket no server took, and the connections waiting on it', async () => {
    const held = await bindSocket(0, '127.0.0.1');
    const client = connect(held.port, '127.0.0.1');
    await once(client, 'connect');
    const closed = once(client, 'close');
    await held.release();
    await closed;
    const again = await bindSocket(held.port, '127.0.0.1');
    await again.release();
  });
});
