/**
 * The local stack composed once, in one direction (local/stack.ts): every piece's socket is bound and kept before
 * any piece is built, so each URL handed to another piece is the one its piece answers on, and no port is ever
 * released to be taken again ("find a free port, close it, hand the number on" lost races to anything else
 * binding in between).
 */
import { Server } from 'node:net';
import { expect } from 'chai';
import { DEMO } from '../../local/demo.js';
import { StackStartError, startLocalStack, type LocalStack, type StackPiece } from '../../local/stack.js';

const PIECES: StackPiece[] = ['skill', 'auth', 'api', 'simulator', 'bridge', 'cloud'];

async function health(url: string): Promise<number> {
  const response = await fetch(new URL('/healthz', url));
  await response.body?.cancel();
  return response.status;
}

describe('the local stack, composed once', function () {
  this.timeout(60_000);

  it('binds every piece once and keeps it: no port released during the start, every URL the one its piece serves', async () => {
    // Every listening socket that is closed while the stack starts: a port found free and handed on by number.
    const released: number[] = [];
    const close = Server.prototype.close;
    Server.prototype.close = function (this: Server, ...args: Parameters<Server['close']>) {
      const address = this.address();
      if (address !== null && typeof address === 'object') released.push(address.port);
      return close.apply(this, args);
    };
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({ log: () => undefined });
    } finally {
      Server.prototype.close = close;
    }
    try {
      expect(released, 'ports closed while the stack started').to.deep.equal([]);
      const ports = PIECES.map((piece) => new URL(stack!.urls[piece]).port);
      expect(new Set(ports).size, 'six pieces, six ports').to.equal(6);
      for (const piece of PIECES) expect(await health(stack.urls[piece]), piece).to.equal(200);
      // The bridge the authorization server registered is the bridge that answers: linking through it works.
      const bridged = stack.createSimulator({ via: 'bridge' });
      const outcome = await bridged.link(DEMO.user);
      expect(outcome.event.delivered).to.equal(true);
    } finally {
      await stack.close();
    }
  });

  it('starts two stacks at once on ephemeral ports, each whole', async () => {
    const stacks = await Promise.all([startLocalStack({ log: () => undefined }), startLocalStack({ log: () => undefined })]);
    try {
      const [first, second] = stacks.map((stack) => PIECES.map((piece) => stack.urls[piece]));
      expect(first!.filter((url) => second!.includes(url))).to.deep.equal([]);
      for (const stack of stacks) for (const piece of PIECES) expect(await health(stack.urls[piece]), piece).to.equal(200);
    } finally {
      await Promise.all(stacks.map((stack) => stack.close()));
    }
  });

  it('stops at a port in use before any piece runs, naming the piece and the port', async () => {
    const taken = await startLocalStack({ log: () => undefined });
    try {
      const port = Number(new URL(taken.urls.bridge).port);
      const lines: string[] = [];
      const error = await startLocalStack({ log: (line) => lines.push(line), ports: { bridge: port } }).catch((e: unknown) => e);
      expect(error).to.have.property('name', 'StackStartError');
      expect(error).to.include({ piece: 'bridge', port, code: 'EADDRINUSE' });
      expect(error).to.have.property('others').that.deep.equals([]);
      // No piece was built: none said it was listening (the old order had the authorization server up by then).
      expect(lines.filter((line) => /listening|started/.test(line))).to.deep.equal([]);
    } finally {
      await taken.close();
    }
  });

  it('names every port in use at once, not one per restart', async () => {
    const taken = await startLocalStack({ log: () => undefined });
    try {
      const bridge = Number(new URL(taken.urls.bridge).port);
      const api = Number(new URL(taken.urls.api).port);
      const error = (await startLocalStack({ log: () => undefined, ports: { bridge, api } }).catch((e: unknown) => e)) as StackStartError;
      expect(error).to.be.instanceOf(StackStartError);
      const named = [error, ...error.others].map(({ piece, port, code }) => ({ piece, port, code }));
      expect(named).to.have.deep.members([
        { piece: 'api', port: api, code: 'EADDRINUSE' },
        { piece: 'bridge', port: bridge, code: 'EADDRINUSE' },
      ]);
    } finally {
      await taken.close();
    }
  });
});
