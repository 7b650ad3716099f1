/**
 * Milliseconds on a monotonic clock, as `performance.now()` counts them (from an arbitrary
 * origin), for durations. The global `performance` makes Node load perf_hooks on first use, a
 * cost a short-lived command pays for nothing else.
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
