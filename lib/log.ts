// One pino logger for the whole process; components take child loggers bound with their ids
// (campaignId, episodeId, round). Pretty output only when a person is watching a terminal.
import pino, { type Logger } from 'pino';

export type { Logger };

function makeRootLogger(): Logger {
  const level = process.env.SINQ_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info';
  // Logs go to stderr so that commands can keep stdout for JSON results.
  if (process.stderr.isTTY && process.env.SINQ_LOG_FORMAT !== 'json') {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level }, pino.destination({ dest: 2, sync: false }));
}

let root: Logger | undefined;

export function logger(): Logger {
  root ??= makeRootLogger();
  return root;
}

export function childLogger(bindings: Record<string, unknown>): Logger {
  return logger().child(bindings);
}

/** A logger that drops everything; for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
