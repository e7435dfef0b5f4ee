/**
 * The browser every browser test drives: Chrome, Chromium or Edge, found as `bash .ci/run` finds it
 * (scripts/find-browser.mjs: PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, the usual install places, PATH). Without one the test
 * fails at once saying what to install, rather than with Playwright's "Executable doesn't exist".
 */
import { chromium, type Browser } from 'playwright-core';
import { BROWSER_VARIABLE, decide } from '../../scripts/find-browser.mjs';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** The browser's executable, or an error saying what to install (tests never install anything). */
export function browserExecutable(): string {
  const decision = decide();
  if (decision.action === 'use') return decision.executable;
  if (decision.action === 'install') {
    throw new Error(
      `The browser tests need Chrome, Chromium or Edge, and none was found. \`bash .ci/run\` installs one as root ` +
        `(apt-get install ${decision.package}), or set ${BROWSER_VARIABLE} to the executable of one you have.`,
    );
  }
  throw new Error(decision.message);
}

/** A headless browser for one test file; close it in `after`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: browserExecutable(), args: CHROMIUM_ARGS, headless: true });
}
