/**
 * Slow clients against the real skill server (lambda/server.ts) on loopback: sockets that send headers or a body a
 * byte at a time are cut off by the header and request timeouts while normal requests keep being answered, and
 * idle keep-alive sockets make room when the connection cap is reached. Timeouts are shortened for the test. Nothing
 * is timed here: a slow client drips until the server closes it (the mocha timeout is the only bound), and the test
 * waits for closes and answers, not for time — except for the idle socket that must survive the header timeout,
 * which can only be shown by letting that time pass.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { createMemoryLogger } from '../../common/logging.js';
import { startSkillServer, type SkillServer } from '../../lambda/server.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../lambda/http/connection-limits.js';
import { testConfig } from '../verification/support.js';

const LIMITS = { headersTimeoutMs: 600, requestTimeoutMs: 1_200, keepAliveTimeoutMs: 65_000, checkIntervalMs: 100 };

describe('Skill server: slow and idle clients', function () {
  this.timeout(20_000);
  let server: SkillServer;
  let port: number;
  const sockets: Socket[] = [];

  async function start(maxConnections: number) {
    server = await startSkillServer(testConfig({ enabled: false }), {
      logger: createMemoryLogger('silent'),
      connectionLimits: { ...LIMITS, maxConnections },
    });
    port = Number(new URL(server.url).port);
  }
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.close();
  });

  /** Opens a socket that sends `head` and then one more byte of `drip` every 100 ms, until the server closes it. */
  function slowClient(head: string, drip: string): Promise<{ answer: string }> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      let answer = '';
      let sent = 0;
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('error', () => {});
      socket.write(head);
      const timer = setInterval(() => {
        if (socket.writable) socket.write(drip[sent++ % drip.length]!);
      }, 100);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer });
      });
    });
  }

  function healthz(): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('keeps its defaults inside Alexa\'s 8 s: headers in 5 s, the whole request in 8 s', () => {
    expect(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs).to.be.at.most(8_000);
    expect(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs).to.be.at.most(8_000);
    expect(DEFAULT_CONNECTION_LIMITS.checkIntervalMs).to.be.below(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs);
  });

  it('cuts off 30 sockets dripping headers and 30 dripping a body, while normal requests are answered', async () => {
    await start(200);
    const slowHeaders = Array.from({ length: 30 }, () => slowClient('POST / HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaa\r\n'));
    const slowBodies = Array.from({ length: 30 }, () =>
      slowClient('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n', '{"a":1}'),
    );
    // Normal requests, one after another, for as long as any slow socket is still open.
    let slowOpen = true;
    const slow = Promise.all([Promise.all(slowHeaders), Promise.all(slowBodies)]).finally(() => (slowOpen = false));
    const normal: number[] = [];
    while (slowOpen || normal.length === 0) normal.push(await healthz());
    // Every slow socket was closed by the server (the clients never give up), with Node's 408 where it could answer.
    const [, bodies] = await slow;
    expect(normal.every((status) => status === 200)).to.equal(true);
    expect(bodies.every((c) => c.answer.startsWith('HTTP/1.1 408'))).to.equal(true);
  });

  it('keeps a keep-alive socket idle for longer than the header timeout (the timeout counts from the next request)', async () => {
    await start(10);
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.setEncoding('utf8');
    let answers = '';
    socket.on('data', (chunk: string) => (answers += chunk));
    /** Resolves once `count` answers have arrived on the socket. */
    const answered = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if ((answers.match(/HTTP\/1\.1 200/g)?.length ?? 0) < count) return;
          socket.off('data', check);
          resolve();
        };
        socket.on('data', check); // after the listener that collects the answers
        check();
      });
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered(1);
    // The behaviour is "nothing happens for a while": only letting three header timeouts pass can show it.
    await new Promise((resolve) => setTimeout(resolve, LIMITS.headersTimeoutMs * 3));
    expect(socket.destroyed).to.equal(false);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered(2);
  });

  it('at the connection cap, idle keep-alive sockets are closed to let a new client in', async () => {
    await start(10);
    // Ten clients each make one request and keep the socket open, idle.
    const idle = await Promise.all(
      Array.from({ length: 10 }, () => {
        const socket = connect(port, '127.0.0.1');
        sockets.push(socket);
        socket.on('error', () => {});
        return new Promise<Socket>((resolve) => {
          socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
          socket.once('data', () => resolve(socket));
        });
      }),
    );
    const closed = idle.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    // The first new connection is dropped at the cap, which sheds the idle ones; a retry gets in.
    let status = 0;
    for (let attempt = 0; attempt < 5 && status !== 200; attempt++) {
      status = await healthz().catch(() => 0);
    }
    expect(status).to.equal(200);
    await Promise.all(closed); // every idle socket is closed by the server (the mocha timeout bounds the wait)
  });
});
