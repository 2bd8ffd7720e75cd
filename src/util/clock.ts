/** Injected time source; tests pass a fake. */
export interface Clock {
  now(): number;
  /** ISO-8601 UTC with second precision, as Kubernetes timestamps (2025-01-01T00:00:00Z) */
  nowRFC3339(): string;
}

// Hot paths (bindings, events, managed fields) ask for the time thousands of times a second:
// format each second once.
let rfcSecond = -1;
let rfcText = '';

export const realClock: Clock = {
  now: () => Date.now(),
  nowRFC3339: () => {
    const sec = Math.floor(Date.now() / 1000);
    if (sec !== rfcSecond) {
      rfcText = rfc3339(sec * 1000);
      rfcSecond = sec;
    }
    return rfcText;
  },
};

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
