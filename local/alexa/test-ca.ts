/**
 * The local stack's stand-in for Amazon's signing certificates: a test CA and a leaf for echo-api.amazon.com
 * (RSA 2048, SHA-256), issued with @peculiar/x509 over WebCrypto. The local skill endpoint trusts the CA only
 * because ALEXA_EXTRA_CA_FILE names it. Tests ask for broken variants (expired leaf, other SAN, foreign issuer).
 */
import { KeyObject, X509Certificate as NodeX509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

export interface SigningMaterial {
  caCertPem: string;
  /** Leaf first, then intermediates (the trusted CA itself is not included). */
  chainPem: string;
  leafKey: CryptoKey | KeyObject;
}

export interface SigningMaterialOptions {
  leafNotAfter?: Date;
  leafNotBefore?: Date;
  /** DNS name in the leaf's SAN; Alexa's is echo-api.amazon.com. */
  san?: string;
  /** Sign the leaf with a different CA that merely copies the trusted CA's name. */
  untrustedIssuer?: boolean;
  /** Put an intermediate CA between the trusted CA and the leaf. */
  intermediate?: boolean;
}

const KEY_ALGORITHM: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const CA_NAME = 'CN=Ride Hailer Local Alexa Test CA (DEMO ONLY), O=Ride Hailer local stack';
const DAY_MS = 86_400_000;

interface Issuer {
  certificate: X509.X509Certificate;
  keys: CryptoKeyPair;
}

export async function createSigningMaterial(options: SigningMaterialOptions = {}): Promise<SigningMaterial> {
  const x509 = await loadX509();
  const ca = await createCa(CA_NAME);
  let issuer = options.untrustedIssuer ? await createCa(CA_NAME) : ca;
  const intermediates: X509.X509Certificate[] = [];
  if (options.intermediate) {
    issuer = await createCa('CN=Ride Hailer Local Alexa Test Intermediate (DEMO ONLY)', issuer);
    intermediates.push(issuer.certificate);
  }
  const leafKeys = await generateKeys();
  const san = options.san ?? 'echo-api.amazon.com';
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${san}`,
    issuer: issuer.certificate.subject,
    notBefore: options.leafNotBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.leafNotAfter ?? new Date(Date.now() + 365 * DAY_MS),
    publicKey: leafKeys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: san }]),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return {
    caCertPem: ca.certificate.toString('pem'),
    chainPem: [leaf, ...intermediates].map((certificate) => certificate.toString('pem')).join('\n') + '\n',
    leafKey: KeyObject.from(leafKeys.privateKey),
  };
}

const FILES = { ca: 'ca.pem', chain: 'chain.pem', leafKey: 'leaf-key.pem' } as const;

/**
 * Reuses the material under `dir` (e.g. `.local/alexa-ca/`) while its leaf has more than a day left, otherwise
 * issues a fresh CA and leaf and writes them there (the key readable by the owner only).
 */
export async function loadOrCreateSigningMaterial(dir: string): Promise<SigningMaterial> {
  const existing = await loadSigningMaterial(dir);
  if (existing !== undefined) return existing;
  const material = await createSigningMaterial();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, FILES.ca), material.caCertPem);
  await writeFile(join(dir, FILES.chain), material.chainPem);
  const keyPath = join(dir, FILES.leafKey);
  await writeFile(keyPath, toKeyObject(material.leafKey).export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await chmod(keyPath, 0o600);
  return material;
}

/** The path of the CA certificate file inside a signing directory: what ALEXA_EXTRA_CA_FILE should name. */
export function caCertificateFile(dir: string): string {
  return join(dir, FILES.ca);
}

export function toKeyObject(key: CryptoKey | KeyObject): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key);
}

async function loadSigningMaterial(dir: string): Promise<SigningMaterial | undefined> {
  try {
    const [caCertPem, chainPem, keyPem] = await Promise.all(
      [FILES.ca, FILES.chain, FILES.leafKey].map((file) => readFile(join(dir, file), 'utf8')),
    );
    const leaf = new NodeX509Certificate(chainPem!);
    if (leaf.validToDate.getTime() - Date.now() < DAY_MS) return undefined;
    return { caCertPem: caCertPem!, chainPem: chainPem!, leafKey: createPrivateKey(keyPem!) };
  } catch {
    return undefined; // missing or unreadable: issue new material
  }
}

async function createCa(name: string, parent?: Issuer): Promise<Issuer> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const common = {
    serialNumber: randomSerial(),
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 10 * 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, parent === undefined ? undefined : 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  };
  const certificate =
    parent === undefined
      ? await x509.X509CertificateGenerator.createSelfSigned({ ...common, name, keys })
      : await x509.X509CertificateGenerator.create({
          ...common,
          subject: name,
          issuer: parent.certificate.subject,
          publicKey: keys.publicKey,
          signingKey: parent.keys.privateKey,
        });
  return { certificate, keys };
}

let x509Module: Promise<typeof X509> | undefined;

/** @peculiar/x509 resolves its algorithm classes through tsyringe, which needs the Reflect metadata polyfill loaded first. */
function loadX509(): Promise<typeof X509> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as Crypto);
    return x509;
  })();
  return x509Module;
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** A positive 16-byte serial (the top bit cleared so DER does not read it as negative). */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
