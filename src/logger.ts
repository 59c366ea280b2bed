import { pino, type DestinationStream, type Logger } from 'pino';
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
