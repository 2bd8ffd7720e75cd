import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logger; one per component, passed in, never global. */
export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.KUBELITE_LOG_LEVEL ?? 'info';
  return pino({ level, name: opts.name ?? 'kubelite', base: undefined }, (opts.destination ?? process.stderr) as pino.DestinationStream);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
