// Durations as Go writes them (time.ParseDuration): 500ms, 10s, 1m30s, 2h, 1.5s. The one parser
// for flags, CronJob `@every` and the sim's annotations.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const GO_DURATION = /^([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+$/;

/** A Go duration in ms ("0" is 0), or undefined when it does not parse. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0') return 0;
  if (!GO_DURATION.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** A positive duration flag in ms: a Go duration, or a bare number of seconds; undefined when invalid. */
export function parseDurationMs(s: string): number | undefined {
  const t = s.trim();
  const ms = /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : parseGoDuration(t);
  return ms !== undefined && ms > 0 ? ms : undefined;
}
