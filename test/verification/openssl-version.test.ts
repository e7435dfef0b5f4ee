/**
 * The chain tests on a machine whose `openssl` cannot run their corpus (macOS's LibreSSL, OpenSSL 1.1.1): they fail at
 * once saying what to install and OPENSSL_BIN, not with a wrong verdict or an unknown option. LibreSSL is not on this
 * machine: `openssl version` outputs are read from samples, and a fake `openssl` answers with one.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createCorpus, ca } from './openssl-corpus.js';
import { opensslProblem, parseOpensslVersion, requireOpenssl } from './openssl-version.js';

describe('the chain tests\' openssl: OpenSSL 3 required, and said so', () => {
  describe('reading `openssl version`', () => {
    const samples: [output: string, flavour: string, version: [number, number, number]][] = [
      ['OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)\n', 'OpenSSL', [3, 0, 19]],
      ['OpenSSL 3.5.0 8 Apr 2025 (Library: OpenSSL 3.5.0 8 Apr 2025)\n', 'OpenSSL', [3, 5, 0]],
      ['OpenSSL 3.4.1 11 Feb 2025\n', 'OpenSSL', [3, 4, 1]],
      ['OpenSSL 1.1.1w  11 Sep 2023\n', 'OpenSSL', [1, 1, 1]],
      ['OpenSSL 1.0.2k-fips  26 Jan 2017\n', 'OpenSSL', [1, 0, 2]],
      ['LibreSSL 3.3.6\n', 'LibreSSL', [3, 3, 6]],
      ['LibreSSL 2.8.3\n', 'LibreSSL', [2, 8, 3]],
      ['OpenSSL 3.1.5+quic 30 Jan 2024 (Library: OpenSSL 3.1.5+quic 30 Jan 2024)\n', 'OpenSSL', [3, 1, 5]],
      // The command from one build, the library from another: the library verifies, so it counts.
      ['OpenSSL 3.0.2 15 Mar 2022 (Library: OpenSSL 1.1.1f  31 Mar 2020)\n', 'OpenSSL', [1, 1, 1]],
    ];
    for (const [output, flavour, [major, minor, patch]] of samples) {
      it(`${output.trim()} → ${flavour} ${major}.${minor}.${patch}`, () => {
        expect(parseOpensslVersion(output)).to.deep.equal({ flavour, major, minor, patch });
      });
    }

    it('recognises nothing else', () => {
      expect(parseOpensslVersion('')).to.equal(undefined);
      expect(parseOpensslVersion('BoringSSL\n')).to.equal(undefined);
      expect(parseOpensslVersion('openssl: command not found')).to.equal(undefined);
    });
  });

  describe('whether it can run the corpus', () => {
    it('OpenSSL 3.0 and later can', () => {
      expect(opensslProblem('OpenSSL 3.0.0 7 sep 2021 (Library: OpenSSL 3.0.0 7 sep 2021)', 'openssl', 'linux')).to.equal(undefined);
      expect(opensslProblem('OpenSSL 3.5.0 8 Apr 2025', 'openssl', 'darwin')).to.equal(undefined);
    });

    it("macOS's LibreSSL cannot: brew install openssl@3, and OPENSSL_BIN pointing at it", () => {
      const problem = opensslProblem('LibreSSL 3.3.6\n', '/usr/bin/openssl', 'darwin');
      expect(problem).to.include('need OpenSSL 3.0 or later').and.include('`/usr/bin/openssl version` says LibreSSL 3.3.6');
      expect(problem).to.include('brew install openssl@3').and.include('OPENSSL_BIN="$(brew --prefix openssl@3)/bin/openssl"');
    });

    it('OpenSSL 1.1.1 on Linux cannot: install OpenSSL 3, or OPENSSL_BIN', () => {
      const problem = opensslProblem('OpenSSL 1.1.1w  11 Sep 2023\n', 'openssl', 'linux');
      expect(problem).to.include('says OpenSSL 1.1.1').and.include('install OpenSSL 3').and.include('OPENSSL_BIN');
      expect(problem).to.not.include('brew');
    });

    it('an answer that is no OpenSSL is quoted', () => {
      expect(opensslProblem('something else entirely\n', 'openssl', 'linux')).to.include('says "something else entirely"');
    });
  });

  describe('the corpus with another openssl (OPENSSL_BIN)', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'openssl-version-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    /** A fake `openssl` that answers `version` with `output` and records every call. */
    async function fakeOpenssl(name: string, output: string): Promise<{ binary: string; calls(): Promise<string[]> }> {
      const binary = join(dir, name);
      const log = join(dir, `${name}.log`);
      await writeFile(binary, `#!/bin/sh\necho "$*" >> "${log}"\nprintf '%s\\n' '${output}'\n`);
      await chmod(binary, 0o755);
      return { binary, calls: () => readFile(log, 'utf8').then((text) => text.split('\n').filter(Boolean)) };
    }

    it("refuses macOS's LibreSSL before making any certificate, saying what to install", async () => {
      const libre = await fakeOpenssl('libressl', 'LibreSSL 3.3.6');
      const failure = await createCorpus([ca('Root', undefined)], { OPENSSL_BIN: libre.binary }).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure?.message).to.include('need OpenSSL 3.0 or later').and.include('LibreSSL 3.3.6').and.include('OPENSSL_BIN');
      expect(await libre.calls()).to.deep.equal(['version']);
    });

    it('says so when OPENSSL_BIN names nothing', async () => {
      const failure = await requireOpenssl({ OPENSSL_BIN: join(dir, 'no-such-openssl') }, 'darwin').then(
        () => undefined,
        (error: Error) => error,
      );
      expect(failure?.message).to.include('no-such-openssl version` and it failed (ENOENT)').and.include('brew install openssl@3');
    });

    it('runs the OpenSSL 3 it is given', async () => {
      const three = await fakeOpenssl('openssl3', 'OpenSSL 3.2.0 23 Nov 2023 (Library: OpenSSL 3.2.0 23 Nov 2023)');
      expect(await requireOpenssl({ OPENSSL_BIN: three.binary })).to.equal(three.binary);
    });
  });
});
