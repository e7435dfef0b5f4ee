// .ci/run's browser step (scripts/find-browser.mjs decides): prints `use <path>` or `install <apt package>` on stdout
// and exits 0, or says on stderr what to install and exits 1. Plain JavaScript: it runs before `npm ci`, on any Node.
//
// FIND_BROWSER_FAKE_ROOT, _PLATFORM and _UID stand in for the filesystem root (the usual install places and
// /etc/os-release are looked up under it), the platform and the user id. They exist for test/setup/find-browser.test.ts,
// which runs every decision, and .ci/run itself, on a machine without root and without a browser.
import { decide } from '../scripts/find-browser.mjs';

const fake = process.env;
const decision = decide({
  root: fake.FIND_BROWSER_FAKE_ROOT || '',
  platform: fake.FIND_BROWSER_FAKE_PLATFORM || process.platform,
  uid: fake.FIND_BROWSER_FAKE_UID !== undefined ? Number(fake.FIND_BROWSER_FAKE_UID) : process.getuid?.(),
});

if (decision.action === 'use') {
  console.error(`Browser tests: ${decision.executable} (${decision.how}).`);
  console.log(`use ${decision.executable}`);
} else if (decision.action === 'install') {
  console.error(`Browser tests: no Chrome, Chromium or Edge found; installing ${decision.package} with apt-get.`);
  console.log(`install ${decision.package}`);
} else {
  console.error(decision.message);
  process.exitCode = 1;
}
