// Durations on the command line: 500ms, 10s, 1.5m, or a bare number of seconds.
export function parseDurationMs(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) return undefined;
  const v = Number(m[1]);
  const ms = m[2] === 'ms' ? v : m[2] === 'm' ? v * 60_000 : v * 1000;
  return ms > 0 ? ms : undefined;
}
