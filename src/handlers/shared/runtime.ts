/**
 * Process-wide hooks that tests replace: waiting, the clock and randomness. Handlers never call
 * setTimeout, Date.now() or Math.random() directly, so a test can run a throttled, time-dependent
 * run in milliseconds and assert exact dates.
 */
export interface Runtime {
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** The current time. */
  now(): Date;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

const defaults: Runtime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => new Date(),
  random: () => Math.random(),
};

/** The hooks in use. Tests assign members (runtime.sleep = ...) and call resetRuntime() afterwards. */
export const runtime: Runtime = { ...defaults };

/** Restores the real sleep, clock and randomness. */
export function resetRuntime(): void {
  Object.assign(runtime, defaults);
}
