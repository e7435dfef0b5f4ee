/**
 * The CLIs (`npm run link`, `npm run dialog`, `npm run fault`) need npm start's stack. They ask it first and say how
 * to start it when it does not answer — instead of printing a URL to a dead server or "Account linked" before
 * failing on the first utterance.
 */
import { answersAsSimulator } from './simulator.js';

export class StackNotRunning extends Error {
  override name = 'StackNotRunning';
}

export async function ensureStackRunning(urls: { simulatorUrl: URL; skillEndpoint: URL }, fetchHealth: typeof fetch = fetch): Promise<void> {
  if (!(await answersAsSimulator(urls.simulatorUrl))) {
    throw new StackNotRunning(
      `the local stack is not running (nothing answers as its simulator at ${urls.simulatorUrl.origin}): start it with npm start in another terminal (or set SIMULATOR_PORT and the other ports to those it printed)`,
    );
  }
  try {
    const health = await fetchHealth(new URL('/healthz', urls.skillEndpoint), { signal: AbortSignal.timeout(2000) });
    await health.body?.cancel();
    if (!health.ok) throw new Error(String(health.status));
  } catch {
    throw new StackNotRunning(`the skill endpoint ${urls.skillEndpoint.origin} does not answer: start the stack with npm start (or set PORT to the one it printed)`);
  }
}
