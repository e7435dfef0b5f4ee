/**
 * A mocked clock for tests of time budgets: `setTimeout` and `Date` are Node's mock timers (node:test's
 * MockTimers), so a timeout fires when the test moves the clock, never because the machine was slow. Real I/O
 * (loopback sockets) still runs; `advance` lets it run between the timers it starts. setImmediate stays real: it is
 * how `advance` yields to that I/O.
 */
import { mock } from 'node:test';

export interface FakeClock {
  /** Moves the clock on by `ms`, then lets the timers that fall due and the work they start run (timers got arms at 0 ms included). */
  advance(ms: number): Promise<void>;
  /** Back to the real clock. */
  restore(): void;
}

/** How many event-loop turns `advance` gives the code under test after moving the clock: enough for a timeout's
 * handler, got's error path and its next request to reach the socket. */
const SETTLE_TURNS = 20;

export function fakeClock(): FakeClock {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  return {
    async advance(ms) {
      mock.timers.tick(ms);
      for (let turn = 0; turn < SETTLE_TURNS; turn += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        mock.timers.tick(0);
      }
    },
    restore: () => mock.timers.reset(),
  };
}

/** Whether a promise has settled yet, without waiting for it. */
export function tracked<T>(promise: Promise<T>): Promise<T> & { settled: boolean } {
  const watched = Object.assign(promise, { settled: false });
  promise.then(
    () => (watched.settled = true),
    () => (watched.settled = true),
  );
  return watched;
}
