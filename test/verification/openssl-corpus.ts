/**
 * A corpus of certificate chains made with the `openssl` command line at test time, in a temp dir, and OpenSSL's
 * own verdict on each: `openssl verify -x509_strict -purpose sslserver -CAfile <roots> -untrusted <served
 * intermediates> <leaf>`. Keys are generated once per corpus (EC P-256 for CAs, RSA for leaves) and reused.
 *
 * Certificates are issued with `openssl ca`, the one OpenSSL 3.0 command that sets arbitrary notBefore/notAfter, each
 * in a throw-away database so independent certificates can be issued in parallel.
 *
 * The `openssl` is $OPENSSL_BIN or the one on PATH, and must be OpenSSL 3.0 or later (openssl-version.ts says why); with
 * another (LibreSSL on macOS), createCorpus fails at once saying what to install.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireOpenssl } from './openssl-version.js';

const run = promisify(execFile);
const DAY_MS = 86_400_000;

export type KeyName = 'root' | 'otherRoot' | 'ca1' | 'ca2' | 'rsaLeaf' | 'shortRsaLeaf' | 'ecLeaf';

export interface CertificateSpec {
  /** Unique within the corpus; also the CN unless `subjectCn` says otherwise. */
  name: string;
  /** A CN shared with another certificate (cross-certificates, impostors). */
  subjectCn?: string;
  key: KeyName;
  /** Name of the issuing certificate; absent for a self-signed root. */
  issuer?: string;
  /** openssl extension lines (x509v3_config). */
  extensions: string[];
  /** Offsets from `now` in days. */
  notBeforeDays?: number;
  notAfterDays?: number;
}

export interface Corpus {
  dir: string;
  now: number;
  pem(name: string): string;
  /** OpenSSL's verdict for `leaf` served with `intermediates` (in that order) against `roots` as the trust store. */
  opensslVerdict(leaf: string, intermediates: readonly string[], roots: readonly string[]): Promise<{ ok: boolean; output: string }>;
  remove(): Promise<void>;
}

export const CA_EXTENSIONS = [
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
];

export const LEAF_EXTENSIONS = [
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, keyEncipherment',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:echo-api.amazon.com',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
];

/** `base` with the lines for the given keys replaced (undefined drops the line) and `extra` appended. */
export function withExtensions(base: readonly string[], replace: Record<string, string | undefined>, extra: string[] = []): string[] {
  const keyOf = (line: string) => line.split('=')[0]!.trim();
  const kept = base.filter((line) => !(keyOf(line) in replace));
  const replaced = Object.values(replace).filter((line): line is string => line !== undefined);
  return [...kept, ...replaced, ...extra];
}

/** A CA certificate: a root when it has no issuer (key `root`), else an intermediate (key `ca1`). */
export const ca = (name: string, issuer: string | undefined, extra: Partial<CertificateSpec> = {}): CertificateSpec => ({
  name,
  key: issuer === undefined ? 'root' : 'ca1',
  ...(issuer === undefined ? {} : { issuer }),
  extensions: CA_EXTENSIONS,
  ...extra,
});
/** A leaf with an RSA key and the extensions Alexa's signing certificate has. */
export const leaf = (name: string, issuer: string, extra: Partial<CertificateSpec> = {}): CertificateSpec => ({ name, key: 'rsaLeaf', issuer, extensions: LEAF_EXTENSIONS, ...extra });
export const caWith = (replace: Record<string, string | undefined>, extra: string[] = []) => withExtensions(CA_EXTENSIONS, replace, extra);
export const leafWith = (replace: Record<string, string | undefined>, extra: string[] = []) => withExtensions(LEAF_EXTENSIONS, replace, extra);

export async function createCorpus(specs: readonly CertificateSpec[], env: NodeJS.ProcessEnv = process.env): Promise<Corpus> {
  const openssl = await requireOpenssl(env);
  const dir = await mkdtemp(join(tmpdir(), 'chain-corpus-'));
  const now = Date.now();
  const keyFile = (key: KeyName) => join(dir, `${key}.key`);
  const certFile = (name: string) => join(dir, `${name}.pem`);

  const keyArgs: Record<KeyName, string[]> = {
    root: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    otherRoot: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ca1: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ca2: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    ecLeaf: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    rsaLeaf: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    shortRsaLeaf: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  };
  await Promise.all(Object.entries(keyArgs).map(([key, args]) => run(openssl, ['genpkey', ...args, '-out', keyFile(key as KeyName)])));

  const issueOne = async (spec: CertificateSpec) => {
    const work = join(dir, `ca-${spec.name}`);
    await mkdir(work);
    await Promise.all([
      writeFile(join(work, 'index.txt'), ''),
      writeFile(join(work, 'serial'), `${(BigInt(specs.indexOf(spec)) + 0x1000n).toString(16)}\n`),
      writeFile(join(work, 'ca.cnf'), caConfig(work)),
      writeFile(join(work, 'ext.cnf'), `[ext]\n${spec.extensions.join('\n')}\n`),
    ]);
    const csr = join(work, 'csr.pem');
    await run(openssl, ['req', '-new', '-key', keyFile(spec.key), '-subj', `/CN=${spec.subjectCn ?? spec.name}`, '-out', csr]);
    const signer = spec.issuer === undefined ? ['-selfsign', '-keyfile', keyFile(spec.key)] : ['-cert', certFile(spec.issuer), '-keyfile', keyFile(specs.find((s) => s.name === spec.issuer)!.key)];
    await run(openssl, [
      'ca', '-batch', '-notext', '-config', join(work, 'ca.cnf'), '-in', csr, '-out', certFile(spec.name), ...signer,
      '-startdate', asn1Time(now + (spec.notBeforeDays ?? -1) * DAY_MS), '-enddate', asn1Time(now + (spec.notAfterDays ?? 365) * DAY_MS),
      '-extfile', join(work, 'ext.cnf'), '-extensions', 'ext',
    ]);
  };

  // Issue in waves: a certificate once its issuer exists.
  const issued = new Set<string>();
  let pending = [...specs];
  while (pending.length > 0) {
    const ready = pending.filter((spec) => spec.issuer === undefined || issued.has(spec.issuer));
    if (ready.length === 0) throw new Error(`corpus: no issuer for ${pending.map((s) => s.name).join(', ')}`);
    await Promise.all(ready.map(issueOne));
    for (const spec of ready) issued.add(spec.name);
    pending = pending.filter((spec) => !ready.includes(spec));
  }

  const pems = new Map<string, string>();
  await Promise.all(specs.map(async (spec) => pems.set(spec.name, stripToPem(await readFile(certFile(spec.name), 'utf8')))));
  let bundles = 0;
  const bundle = async (names: readonly string[]) => {
    const file = join(dir, `bundle-${bundles++}.pem`);
    await writeFile(file, names.map((name) => pems.get(name)!).join(''));
    return file;
  };

  return {
    dir,
    now,
    pem: (name) => {
      const pem = pems.get(name);
      if (pem === undefined) throw new Error(`corpus: no certificate ${name}`);
      return pem;
    },
    async opensslVerdict(leaf, intermediates, roots) {
      const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-attime', String(Math.floor(now / 1000)), '-CAfile', await bundle(roots)];
      if (intermediates.length > 0) args.push('-untrusted', await bundle(intermediates));
      try {
        const { stdout, stderr } = await run(openssl, [...args, certFile(leaf)]);
        return { ok: true, output: stdout + stderr };
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        return { ok: false, output: stdout + stderr };
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

function caConfig(work: string): string {
  return [
    '[ca]',
    'default_ca = corpus',
    '[corpus]',
    `database = ${join(work, 'index.txt')}`,
    `new_certs_dir = ${work}`,
    `serial = ${join(work, 'serial')}`,
    'default_md = sha256',
    'policy = anything',
    'unique_subject = no',
    'email_in_dn = no',
    '[anything]',
    'commonName = supplied',
    '',
  ].join('\n');
}

/** GeneralizedTime (YYYYMMDDHHMMSSZ), which `openssl ca -startdate/-enddate` accepts. */
function asn1Time(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

function stripToPem(text: string): string {
  const match = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/);
  if (match === null) throw new Error('corpus: openssl wrote no certificate');
  return match[0].endsWith('\n') ? match[0] : `${match[0]}\n`;
}
