import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level: string;
  /** Pretty, human-readable lines (for a terminal); JSON lines otherwise. */
  pretty?: boolean;
  name?: string;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = { level: settings.level, name: settings.name ?? 'pyfaas' };
  if (settings.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino(options);
}

/** A logger that writes nothing: for tests and library callers that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
