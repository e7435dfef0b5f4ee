/**
 * Milliseconds on a monotonic clock, for durations and time-to-live caches. Not `performance.now()`: the first touch
 * of the `performance` global loads Node's perf_hooks (eleven modules, ~2 ms of a Lambda cold start that needs none
 * of them); test/unit/bundle.test.ts and test/bridge/lambda.test.ts check that neither bundle loads it.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
