/** Injected time source; tests pass a fake. */
export interface Clock {
  now(): number;
  /** ISO-8601 UTC with second precision, as Kubernetes timestamps (2025-01-01T00:00:00Z) */
  nowRFC3339(): string;
}

export const realClock: Clock = {
  now: () => Date.now(),
  nowRFC3339: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
};

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
