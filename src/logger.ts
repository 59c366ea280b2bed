import { pino, type DestinationStream, type Logger } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { pinoRedactPaths } from './security/redact.js';

/** The process logger; secrets are redacted by field name at every depth we log. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: pinoRedactPaths(), censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: req.url,
          ip: req.ip,
        }),
      },
    },
    destination,
  );
}

/** A stream the command line writes logs to: a process's stdio stream, or a stand-in in tests. */
export type LogOutput = DestinationStream & NodeJS.WritableStream & { isTTY?: boolean };

/**
 * Where the command line's logs go: human-readable lines (pino-pretty, colours, local time)
 * when `output` is a terminal, else one JSON object per line for log collectors. Redaction
 * happens in pino before either format. The pretty stream runs in this thread and writes
 * synchronously, unlike pino's worker-thread transport, so a line logged before the start
 * banner is printed before it and never lands inside it.
 */
export function logDestination(output: LogOutput): DestinationStream {
  if (!output.isTTY) return output;
  return prettyStream({
    destination: output,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

/**
 * The logger of a one-shot command (`directory test|sync|list|create`), whose stderr is
 * read by a person following its progress: one human line per entry even on a pipe, never
 * JSON, and only warnings and errors unless LOG_LEVEL asks for debug or trace.
 */
export function createCommandLogger(level: string, output: LogOutput): Logger {
  const verbose = level === 'debug' || level === 'trace';
  const quiet = level === 'error' || level === 'fatal' || level === 'silent';
  return createLogger(
    verbose || quiet ? level : 'warn',
    prettyStream({
      destination: output,
      sync: true,
      colorize: output.isTTY === true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
    }),
  );
}
