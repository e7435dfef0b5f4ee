/**
 * Which `openssl` the chain corpus (openssl-corpus.ts) runs, and whether it can: OpenSSL 3.0 or later. The differential
 * test compares our validator with `openssl verify -x509_strict`, and the corpus's own check (OpenSSL agrees with RFC
 * 5280 on every case) relies on what OpenSSL 3.0 added to -x509_strict — e.g. refusing a CA certificate without
 * keyUsage ("CA cert does not include key usage extension"). OpenSSL 1.1.1 and LibreSSL (macOS's `openssl`) accept
 * that chain, so rather than a wrong verdict or an unknown flag deep in the corpus, the tests fail up front saying
 * what to install and that OPENSSL_BIN points at it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const OPENSSL_VARIABLE = 'OPENSSL_BIN';

export interface OpensslVersion {
  flavour: 'OpenSSL' | 'LibreSSL';
  major: number;
  minor: number;
  patch: number;
}

/**
 * `openssl version`'s output read: "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)", "OpenSSL 1.1.1w
 * 11 Sep 2023", "LibreSSL 3.3.6". Where the command names its library, the library's version counts: it verifies.
 */
export function parseOpensslVersion(output: string): OpensslVersion | undefined {
  const library = /\(Library:\s*([^)]*)\)/.exec(output)?.[1];
  const match = /^\s*(OpenSSL|LibreSSL)\s+(\d+)\.(\d+)\.(\d+)/.exec(library ?? output);
  if (match === null) return undefined;
  return { flavour: match[1] as OpensslVersion['flavour'], major: Number(match[2]), minor: Number(match[3]), patch: Number(match[4]) };
}

function howToInstall(platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? `brew install openssl@3, then run the tests with ${OPENSSL_VARIABLE}="$(brew --prefix openssl@3)/bin/openssl"`
    : `install OpenSSL 3 (Debian 12 and Ubuntu 22.04 or later ship it as the package \`openssl\`), and if it is not the \`openssl\` on PATH, set ${OPENSSL_VARIABLE} to its path`;
}

/** Why `binary`, which answered `openssl version` with `output`, cannot run the corpus — or undefined when it can. */
export function opensslProblem(output: string, binary: string, platform: NodeJS.Platform = process.platform): string | undefined {
  const version = parseOpensslVersion(output);
  if (version?.flavour === 'OpenSSL' && version.major >= 3) return undefined;
  const found = version === undefined ? `"${output.trim().split('\n')[0]!.slice(0, 80)}"` : `${version.flavour} ${version.major}.${version.minor}.${version.patch}`;
  return (
    `The certificate-chain tests need OpenSSL 3.0 or later, and \`${binary} version\` says ${found}. They compare with ` +
    '`openssl verify -x509_strict`, whose checks OpenSSL 3.0 made stricter (a CA certificate without keyUsage is refused); ' +
    `older OpenSSL and LibreSSL give other verdicts. To fix: ${howToInstall(platform)}.`
  );
}

const checked = new Map<string, Promise<string>>();

/** The `openssl` to run ($OPENSSL_BIN, else `openssl` on PATH), once it has shown to be OpenSSL 3; else an Error saying what to install. */
export function requireOpenssl(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<string> {
  const binary = env[OPENSSL_VARIABLE] || 'openssl';
  let check = checked.get(binary);
  if (check === undefined) {
    check = run(binary, ['version']).then(
      ({ stdout }) => {
        const problem = opensslProblem(stdout, binary, platform);
        if (problem !== undefined) throw new Error(problem);
        return binary;
      },
      (error: NodeJS.ErrnoException) => {
        throw new Error(`The certificate-chain tests run \`${binary} version\` and it failed (${error.code ?? error.message}). To fix: ${howToInstall(platform)}.`);
      },
    );
    checked.set(binary, check);
  }
  return check;
}
