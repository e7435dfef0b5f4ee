/**
 * What an import tells the ASK CLI about the skill package it uploaded: an archive that is not one, has too many
 * files or no skill.json fails as a whole (`SkillPackage`); otherwise each resource (`Manifest`,
 * `InteractionModel.<locale>`, `AccountLinking`) passes or fails on its own, and one failure rolls the others back
 * so nothing is applied. Files the local cloud does not read are named in a warning.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { strToU8, zipSync } from 'fflate';
import { checkSkillPackage } from '../../local/alexa-cloud/validation/skill-package.js';

const PACKAGE = new URL('../../skill-package/', import.meta.url);
const LOCALES = ['en-US', 'en-GB', 'de-DE'];
const text = (path: string) => readFileSync(new URL(path, PACKAGE), 'utf8');

/** The project's skill package as `ask deploy` zips it: path → contents. */
function projectFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { 'skill.json': strToU8(text('skill.json')), 'accountLinking.json': strToU8(text('accountLinking.json')) };
  for (const locale of LOCALES) files[`interactionModels/custom/${locale}.json`] = strToU8(text(`interactionModels/custom/${locale}.json`));
  return files;
}

const check = (files: Record<string, Uint8Array>, action: 'CREATE' | 'UPDATE' = 'CREATE') => checkSkillPackage(zipSync(files), action, {});

describe('local Alexa cloud: skill package import checks', () => {
  it('accepts the project\'s package: every resource SUCCEEDED, no warnings, and the contents to apply', () => {
    const result = check(projectFiles(), 'UPDATE');
    expect(result.ok).to.equal(true);
    expect(result.warnings).to.deep.equal([]);
    expect(result.resources).to.deep.equal(
      ['Manifest', 'InteractionModel.de-DE', 'InteractionModel.en-GB', 'InteractionModel.en-US', 'AccountLinking'].map((name) => ({ name, action: 'UPDATE', status: 'SUCCEEDED' })),
    );
    expect(result.contents).to.deep.equal({
      manifest: JSON.parse(text('skill.json')).manifest,
      interactionModels: Object.fromEntries(LOCALES.map((locale) => [locale, JSON.parse(text(`interactionModels/custom/${locale}.json`))])),
      accountLinking: JSON.parse(text('accountLinking.json')).accountLinkingRequest,
    });
  });

  it('applies no account linking for a package without accountLinking.json', () => {
    const files = projectFiles();
    delete files['accountLinking.json'];
    const result = check(files);
    expect(result.ok).to.equal(true);
    expect(result.contents).to.not.have.property('accountLinking');
    expect(result.resources.map((r) => r.name)).to.not.include('AccountLinking');
  });

  it('fails the whole package for an archive that is not a zip, has too many files or no skill.json', () => {
    const whole = (result: ReturnType<typeof checkSkillPackage>) => {
      expect(result.ok).to.equal(false);
      expect(result.warnings).to.deep.equal([]);
      expect(result).to.not.have.property('contents');
      expect(result.resources).to.have.length(1);
      expect(result.resources[0]).to.include({ name: 'SkillPackage', action: 'CREATE', status: 'FAILED' });
      return result.resources[0]!.errors;
    };
    expect(whole(checkSkillPackage(strToU8('PK? no, a text file'), 'CREATE', {}))).to.deep.equal([
      { code: 'INVALID_PACKAGE', message: 'The uploaded skill package is not a valid zip archive (invalid zip data).' },
    ]);
    const many = projectFiles();
    for (let i = 0; i < 496; i++) many[`assets/${i}.txt`] = strToU8('');
    expect(whole(check(many))).to.deep.equal([{ code: 'INVALID_PACKAGE', message: 'The skill package has 501 files; at most 500 are accepted.' }]);
    delete many['assets/0.txt'];
    expect(check(many).ok, '500 files are accepted').to.equal(true);
    const { 'skill.json': _manifest, ...rest } = projectFiles();
    expect(whole(check(rest))).to.deep.equal([{ code: 'MISSING_MANIFEST', message: 'The skill package has no skill.json at its root.' }]);
  });

  it('accepts a zip of the folder itself; the shallowest skill.json is the package root, in whatever order the zip lists them', () => {
    const folder: Record<string, Uint8Array> = { 'skill-package/': new Uint8Array(0) }; // a directory entry, as zip tools add them
    for (const [path, bytes] of Object.entries(projectFiles())) folder[`skill-package/${path}`] = bytes;
    const deeper = { 'x/y/skill.json': strToU8('not even JSON') };
    for (const files of [{ ...deeper, ...folder }, { ...folder, ...deeper }]) {
      const result = check(files);
      expect(result.resources.filter((r) => r.status !== 'SUCCEEDED')).to.deep.equal([]);
      expect(result.warnings).to.deep.equal([]);
      expect(Object.keys(result.contents!.interactionModels).sort()).to.deep.equal([...LOCALES].sort());
    }
  });

  it('names each file that is not JSON (or not UTF-8) as MALFORMED_INPUT, and rolls back the resources that passed', () => {
    const files = projectFiles();
    files['interactionModels/custom/en-GB.json'] = strToU8('{ "interactionModel": ');
    files['accountLinking.json'] = new Uint8Array([0x7b, 0xff, 0x7d]);
    const result = check(files);
    expect(result.ok).to.equal(false);
    expect(result).to.not.have.property('contents');
    expect(result.resources.map(({ name, status, errors }) => ({ name, status, codes: errors?.map((e) => e.code) }))).to.deep.equal([
      { name: 'Manifest', status: 'ROLLBACK_SUCCEEDED', codes: undefined },
      { name: 'InteractionModel.de-DE', status: 'ROLLBACK_SUCCEEDED', codes: undefined },
      { name: 'InteractionModel.en-GB', status: 'FAILED', codes: ['MALFORMED_INPUT'] },
      { name: 'InteractionModel.en-US', status: 'ROLLBACK_SUCCEEDED', codes: undefined },
      { name: 'AccountLinking', status: 'FAILED', codes: ['MALFORMED_INPUT'] },
    ]);
    expect(result.resources[2]!.errors![0]!.message).to.match(/^interactionModels\/custom\/en-GB\.json is not valid JSON: ./);
    expect(result.resources[4]!.errors![0]!.message).to.match(/^accountLinking\.json is not valid JSON: ./);
    const manifest = projectFiles();
    manifest['skill.json'] = strToU8('[');
    expect(check(manifest).resources[0]).to.deep.include({ name: 'Manifest', status: 'FAILED' });
  });

  it('fails a resource with its validation errors: the account linking\'s, without applying the rest', () => {
    const files = projectFiles();
    files['accountLinking.json'] = strToU8(JSON.stringify({ accountLinkingRequest: { type: 'IMPLICIT', authorizationUrl: 'https://a.example/auth', clientId: 'c', scopes: ['a', 'a'] } }));
    const result = check(files);
    expect(result.ok).to.equal(false);
    expect(result.resources.at(-1)).to.deep.equal({
      name: 'AccountLinking',
      action: 'CREATE',
      status: 'FAILED',
      errors: [{ code: 'DUPLICATE_VALUE', message: 'Value "a" at property path "$.accountLinkingRequest.scopes[1]" is listed twice.' }],
    });
    expect(result.resources.slice(0, -1).map((r) => r.status)).to.deep.equal(Array(4).fill('ROLLBACK_SUCCEEDED'));
  });

  it('warns about files it does not read, naming each top-level folder once, and judges the manifest by the models present', () => {
    const files = projectFiles();
    files['assets/icon-108.png'] = new Uint8Array([1]);
    files['assets/icon-512.png'] = new Uint8Array([2]);
    files['isps/subscription.json'] = strToU8('{}');
    files['interactionModels/custom/en-gb.json'] = strToU8('{}'); // not a locale: lower-case region
    delete files['interactionModels/custom/de-DE.json'];
    const result = check(files);
    expect(result.warnings).to.deep.equal([
      {
        message:
          'The imported package contains file(s) at paths the local cloud does not process; files under the following paths were not processed: [assets, interactionModels, isps]',
      },
    ]);
    expect(result.resources[0]!.errors!.map((e) => e.code)).to.deep.equal(['MISSING_INTERACTION_MODEL']);
    expect(result.resources[0]!.errors![0]!.message).to.contain('no interaction model for "de-DE"');
  });
});
