/**
 * What surrounds the skill endpoint in the load benchmark, on loopback in this process: the issuer's JWKS over
 * HTTP, the local test CA (as the file ALEXA_EXTRA_CA_FILE names) and the mirror the endpoint downloads the signing
 * chain from, the way test/endpoint/support.ts sets them up (not imported: that module belongs to the mocha suites).
 * Both servers are hit once per skill process (jose and the certificate cache keep what they fetched).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createRequestSigner, serveCertificateChain, type RequestSigner } from '../../local/alexa/signing.js';
import { createSigningMaterial } from '../../local/alexa/test-ca.js';
import { createTestIssuer, type TestIssuer } from '../../test/support/tokens.js';

export interface AlexaLoopback {
  issuer: TestIssuer;
  jwksUrl: string;
  caFile: string;
  mirrorUrl: string;
  /** The headers Alexa would send with exactly this body. */
  sign: RequestSigner;
  close(): Promise<void>;
}

export async function startAlexaLoopback(): Promise<AlexaLoopback> {
  const issuer = await createTestIssuer();
  const material = await createSigningMaterial();
  const dir = await mkdtemp(join(tmpdir(), 'bench-load-ca-'));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, material.caCertPem);

  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks)));
  const mirror = createServer(express().use(serveCertificateChain(material)));
  const [jwksOrigin, mirrorUrl] = await Promise.all([listen(jwks), listen(mirror)]);
  return {
    issuer,
    jwksUrl: `${jwksOrigin}/jwks`,
    caFile,
    mirrorUrl,
    sign: createRequestSigner(material),
    close: async () => {
      await Promise.all([close(jwks), close(mirror)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
