import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEMO } from '../../local/demo.js';
import { startAuthServer, type AuthServer } from '../../local/auth/server.js';
import { CALLBACK, link, refresh } from './helpers.js';

describe('authorization server: storage on SQLite', () => {
  let dir: string;
  let server: AuthServer | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-store-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps users, grants, refresh tokens and the signing key across a restart', async () => {
    const databaseFile = join(dir, 'nested', 'auth.sqlite');
    server = await startAuthServer({ databaseFile, extraRedirectUris: [CALLBACK], log: () => {} });
    const port = Number(new URL(server.url).port);
    const newcomer = await server.users.create({ name: 'Nina New', email: 'nina@example.com', password: 'nina-password' });
    const tokens = await link(server);
    const keysBefore = await (await fetch(server.jwksUrl)).json();
    await server.close();
    // fetch's keep-alive pool reads the closed sockets' end of stream in the event loop's next poll: one turn of
    // the loop (not a span of time) before the same port answers again.
    await new Promise((resolve) => setImmediate(resolve));

    const lines: string[] = [];
    server = await startAuthServer({ databaseFile, port, extraRedirectUris: [CALLBACK], log: (line) => lines.push(line) });
    expect(await server.users.findById(newcomer.id)).to.deep.equal(newcomer);
    expect(lines.join('\n')).to.not.include('seeded'); // the demo user was already there
    expect(await (await fetch(server.jwksUrl)).json()).to.deep.equal(keysBefore);
    const { payload } = await jwtVerify(String(tokens.access_token), createRemoteJWKSet(new URL(server.jwksUrl)), {
      issuer: server.url,
      audience: DEMO.apiAudience,
      typ: 'at+jwt',
    });
    expect(payload.scope).to.equal('basic_profile order_car');
    const refreshed = await refresh(server, String(tokens.refresh_token));
    expect(refreshed.status).to.equal(200);
  });

  it('uses a fresh signing key for each in-memory server', async () => {
    server = await startAuthServer({ log: () => {} });
    const first = await (await fetch(server.jwksUrl)).json();
    await server.close();
    server = await startAuthServer({ log: () => {} });
    expect(await (await fetch(server.jwksUrl)).json()).to.not.deep.equal(first);
  });

  it('stores passwords only as salted scrypt hashes', async () => {
    const databaseFile = join(dir, 'hashes.sqlite');
    server = await startAuthServer({ databaseFile, log: () => {} });
    await server.close();
    server = undefined;
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(databaseFile);
    try {
      const row = db.prepare('SELECT password_hash FROM users WHERE email = ?').get(DEMO.user.email) as { password_hash: string };
      expect(row.password_hash).to.match(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(row.password_hash).to.not.include(DEMO.user.password);
    } finally {
      db.close();
    }
  });
});
