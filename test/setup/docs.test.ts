/**
 * The documentation a newcomer reads: the README's first screen says what the project is, the two commands and where
 * to go next; every relative link in the README, ARCHITECTURE.md and docs/ leads to a file that exists, and to a
 * heading that exists when it names one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../local/alexa/config.js';

const DOCUMENTS = ['README.md', 'ARCHITECTURE.md', ...readdirSync(join(PROJECT_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function headings(file: string): Set<string> {
  const text = readFileSync(join(PROJECT_ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));
}

describe('the documentation', () => {
  it('opens with what the project is, the two commands, then where to go next', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(sections.slice(0, 2)).to.deep.equal(['Two commands', 'Where to go next']);
    const firstScreen = readme.slice(0, readme.indexOf('## Where to go next')).split('\n');
    expect(firstScreen.length, 'lines before "Where to go next"').to.be.at.most(30);
    expect(readme).to.include('`npx -y -p node@24 -- npm install && npm start`').and.include('`bash .ci/run`');
    for (const document of DOCUMENTS.filter((file) => file.startsWith('docs/'))) expect(readme, document).to.include(`](${document})`);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of DOCUMENTS) {
      const text = readFileSync(join(PROJECT_ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // http(s), mailto
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = path === '' ? join(PROJECT_ROOT, file) : resolve(dirname(join(PROJECT_ROOT, file)), path);
        if (!existsSync(resolved)) broken.push(`${file} → ${target} (no such file)`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !headings(relative(PROJECT_ROOT, resolved)).has(anchor)) {
          broken.push(`${file} → ${target} (no such heading)`);
        }
      }
    }
    expect(broken).to.deep.equal([]);
  });
});
