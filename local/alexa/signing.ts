/**
 * Signs simulator requests the way Alexa does: `SignatureCertChainUrl` names the chain, `Signature-256` is
 * RSA-SHA256 over the exact body bytes, base64. The URL is Amazon's shape; the local skill endpoint fetches the
 * same path from the simulator (ALEXA_CERT_MIRROR_URL), which serves the chain with `serveCertificateChain`.
 */
import { sign } from 'node:crypto';
import express from 'express';
import { toKeyObject, type SigningMaterial } from './test-ca.js';

export const LOCAL_CERT_CHAIN_URL = 'https://s3.amazonaws.com/echo.api/local-stack-cert.pem';

export type RequestSigner = (body: string) => Record<string, string>;

export function createRequestSigner(material: SigningMaterial, certChainUrl: string = LOCAL_CERT_CHAIN_URL): RequestSigner {
  const key = toKeyObject(material.leafKey);
  return (body) => ({
    SignatureCertChainUrl: certChainUrl,
    'Signature-256': sign('sha256', Buffer.from(body, 'utf8'), key).toString('base64'),
  });
}

/** GET <path of certChainUrl> → the chain PEM, for the mirror the local skill endpoint downloads from. */
export function serveCertificateChain(material: SigningMaterial, certChainUrl: string = LOCAL_CERT_CHAIN_URL): express.Router {
  const path = new URL(certChainUrl).pathname;
  const router = express.Router();
  router.get(path, (_req, res) => {
    res.type('application/x-pem-file').send(material.chainPem);
  });
  return router;
}
