// Which Chromium-based browser the browser tests drive, and what `bash .ci/run` does when there is none. Used by
// .ci/run before anything is installed (so: plain JavaScript, Node's built-ins only, any Node) and by the browser
// tests through test/support/browser.ts, so both find the same browser the same way.
//
// The order: PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH (Playwright itself reads no such variable, but it is the name
// Playwright users already set for this — NixOS setups, playwright-mcp's requests), then the usual install places of
// Chrome, Chromium and Edge on Linux and macOS, then those browsers' command names on PATH.
//
// `decide` says what .ci/run does: use the browser found, install one with apt-get (Debian or Ubuntu, as root, only
// when none is found), or stop with what to install. It never installs anything itself (.ci/browser.mjs prints the
// decision, .ci/run acts on it), so tests check every decision without root.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const BROWSER_VARIABLE = 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH';

/** Where Chrome, Chromium and Edge install themselves, most likely first. */
export const USUAL_PLACES = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/microsoft-edge',
    '/usr/bin/microsoft-edge-stable',
  ],
  darwin: [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
};

/** The same browsers' command names, looked up on PATH like `which` does. */
export const COMMAND_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge', 'microsoft-edge-stable'];

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `which name`: the first executable file called `name` in the PATH's directories. */
function onPath(name, path) {
  for (const dir of (path || '').split(delimiter)) {
    if (dir !== '' && isExecutableFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The browser to drive: `{ executable, how }`, or `{ problem }` when the variable names no executable file (it is not
 * second-guessed: whoever set it meant that browser), or undefined when there is none.
 * `root` prefixes the usual places (a fake filesystem for tests); PATH is taken from `env` as it is.
 */
export function findBrowser({ env = process.env, platform = process.platform, root = '' } = {}) {
  const chosen = env[BROWSER_VARIABLE];
  if (chosen !== undefined && chosen !== '') {
    // A bare command name (NixOS wraps its browsers; only the name is stable) is looked up on PATH.
    const executable = chosen.includes('/') ? chosen : onPath(chosen, env.PATH);
    if (executable !== undefined && isExecutableFile(executable)) return { executable, how: `${BROWSER_VARIABLE}` };
    return { problem: `${BROWSER_VARIABLE}=${chosen} is not an executable file. Point it at a Chrome, Chromium or Edge executable, or unset it to search the usual places.` };
  }
  for (const place of USUAL_PLACES[platform] || []) {
    if (isExecutableFile(root + place)) return { executable: root + place, how: 'its usual install place' };
  }
  for (const name of COMMAND_NAMES) {
    const executable = onPath(name, env.PATH);
    if (executable !== undefined) return { executable, how: `\`${name}\` on PATH` };
  }
  return undefined;
}

/** /etc/os-release's ID and ID_LIKE as one list of lower-case words, e.g. ['linuxmint', 'ubuntu', 'debian']. */
export function distributionFamily(osRelease) {
  const words = [];
  for (const line of osRelease.split('\n')) {
    const match = /^(ID|ID_LIKE)=["']?([^"'\n]*)["']?\s*$/.exec(line.trim());
    if (match) words.push(...match[2].toLowerCase().split(/\s+/).filter(Boolean));
  }
  return words;
}

/** The apt package that provides Chromium: Debian's `chromium`; Ubuntu has only `chromium-browser` (which installs the snap). */
function aptPackage(family) {
  if (family.includes('debian') && !family.includes('ubuntu')) return 'chromium';
  if (family.includes('ubuntu')) return 'chromium-browser';
  return undefined;
}

const SET_THE_VARIABLE = `or set ${BROWSER_VARIABLE} to the executable of a Chrome, Chromium or Edge you have.`;

/** What to tell someone who has no browser: what to install on their system, and the variable. */
export function installAdvice({ platform, family }) {
  if (platform === 'darwin') {
    return `Install Google Chrome (https://www.google.com/chrome/, or \`brew install --cask google-chrome\`), ${SET_THE_VARIABLE}`;
  }
  const apt = aptPackage(family);
  if (platform === 'linux' && apt !== undefined) {
    return `Install it as root (\`sudo apt-get install ${apt}\`; \`bash .ci/run\` does that itself when run as root), ${SET_THE_VARIABLE}`;
  }
  if (platform === 'linux') return `Install Chromium or Google Chrome with your distribution's package manager (e.g. \`sudo dnf install chromium\`), ${SET_THE_VARIABLE}`;
  return `Install Google Chrome, ${SET_THE_VARIABLE}`;
}

/**
 * .ci/run's decision: `{ action: 'use', executable, how }`, `{ action: 'install', package }` (apt-get, Debian or Ubuntu,
 * as root), or `{ action: 'stop', message }`.
 */
export function decide({ env = process.env, platform = process.platform, root = '', uid = process.getuid?.() } = {}) {
  const found = findBrowser({ env, platform, root });
  if (found !== undefined && 'problem' in found) return { action: 'stop', message: found.problem };
  if (found !== undefined) return { action: 'use', executable: found.executable, how: found.how };

  let osRelease = '';
  try {
    osRelease = readFileSync(`${root}/etc/os-release`, 'utf8');
  } catch {
    // Not Linux, or a Linux without os-release: no package manager we know.
  }
  const family = distributionFamily(osRelease);
  const apt = aptPackage(family);
  if (platform === 'linux' && apt !== undefined && uid === 0 && onPath('apt-get', env.PATH) !== undefined) return { action: 'install', package: apt };
  return { action: 'stop', message: `The browser tests need Chrome, Chromium or Edge, and none was found (${BROWSER_VARIABLE} is not set; looked in the usual install places and on PATH). ${installAdvice({ platform, family })}` };
}
