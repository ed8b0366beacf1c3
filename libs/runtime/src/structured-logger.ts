import { AsyncLocalStorage } from 'node:async_hooks';
import { LoggerService, LogLevel } from '@nestjs/common';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { scrubSecrets } from '@closeloop/contracts';
import pino, { DestinationStream, Level, Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { scrubbedValue } from './scrubbing-logger';

/** json: one JSON object per line (production, log shippers); pretty: one readable line each (the local stack). */
export type LogFormat = 'json' | 'pretty';

/** What every log line written while handling one request or one event carries. */
export interface LogContext {
  readonly correlationId?: string;
}

/** The correlation id of the request or event being handled, for the log lines it causes. */
export const logContext = new AsyncLocalStorage<LogContext>();

/** Nest's level names as pino's. */
const PINO_LEVEL: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};
const SEVERITY: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export interface StructuredLoggerOptions {
  readonly service: string;
  /** The least severe level written. */
  readonly level: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; stdout by default (tests give a stream of their own). */
  readonly destination?: DestinationStream;
}

const prettyStream = (destination: DestinationStream | NodeJS.WritableStream): DestinationStream =>
  pinoPretty({
    sync: true,
    colorize: false,
    singleLine: true,
    destination: destination as NodeJS.WritableStream,
    messageKey: 'message',
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,service,context',
    messageFormat: (log, messageKey) => {
      const message = log[messageKey];
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      return `${log['service'] ? `${String(log['service'])} ` : ''}${log['context'] ? `[${String(log['context'])}] ` : ''}${text}`;
    },
  });

/**
 * Errors and fatal lines to stderr, the rest to stdout, as Nest's console logger did (a supervisor or a test may
 * read them apart); a destination given (tests) takes every line.
 */
const destinationOf = (options: StructuredLoggerOptions): DestinationStream => {
  const format = (stream: NodeJS.WritableStream): DestinationStream =>
    options.format === 'pretty' ? prettyStream(stream) : (stream as DestinationStream);
  if (options.destination) return format(options.destination as unknown as NodeJS.WritableStream);
  return pino.multistream(
    [
      { level: 'trace', stream: format(process.stdout) },
      { level: 'error', stream: format(process.stderr) },
    ],
    { dedupe: true },
  );
};

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * The services' logger behind Nest's LoggerService: pino, one JSON line per entry with time, level, service, context,
 * the correlation id and trace (trace_id, span_id) of the request or event being handled, and the message. Every
 * message, object and stack is scrubbed on the way out as ScrubbingLogger does (credentials and full phone numbers
 * never reach a log, whoever wrote the line); LOG_FORMAT=pretty writes the same entries as readable lines.
 */
export class StructuredLogger implements LoggerService {
  private readonly logger: Logger;
  private levels: ReadonlySet<LogLevel>;

  constructor(options: StructuredLoggerOptions) {
    this.logger = pino(
      {
        level: 'trace',
        base: { service: options.service },
        messageKey: 'message',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => {
          const correlationId = logContext.getStore()?.correlationId;
          // The active span, where traces are on: OpenTelemetry's names for the fields, which log backends link on.
          const span = trace.getSpanContext(context.active());
          return {
            ...(correlationId === undefined ? {} : { correlationId }),
            ...(span === undefined || !isSpanContextValid(span)
              ? {}
              : { trace_id: span.traceId, span_id: span.spanId }),
          };
        },
      },
      destinationOf(options),
    );
    this.levels = new Set(SEVERITY.slice(0, SEVERITY.indexOf(options.level) + 1));
  }

  setLogLevels(levels: LogLevel[]): void {
    this.levels = new Set(levels);
  }

  log(message: unknown, ...optional: unknown[]): void {
    this.write('log', [message, ...optional]);
  }

  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', [message, ...optional]);
  }

  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', [message, ...optional]);
  }

  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('verbose', [message, ...optional]);
  }

  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', [message, ...optional]);
  }

  /** Like ConsoleLogger: `error(message, stack?, context?)`, the context being the last string given. */
  error(message: unknown, ...optional: unknown[]): void {
    if (!this.levels.has('error')) return;
    const args = [message, ...optional];
    let stack: string | undefined;
    let context: string | undefined;
    let messages: unknown[];
    if (args.length === 2 && (isString(args[1]) || args[1] === undefined)) {
      messages = [args[0]];
      // (message, context) and (message, stack) look alike; a stack has a line break, a context never does.
      if (isString(args[1]) && !args[1].includes('\n')) context = args[1];
      else stack = args[1];
    } else {
      ({ messages, context } = this.contextOf(args));
      const last = messages[messages.length - 1];
      if (messages.length > 1 && (isString(last) || last === undefined)) {
        stack = last;
        messages = messages.slice(0, -1);
      }
    }
    for (const item of messages) this.entry('error', item, context, stack);
  }

  private write(level: LogLevel, args: unknown[]): void {
    if (!this.levels.has(level)) return;
    const { messages, context } = this.contextOf(args);
    for (const item of messages) this.entry(level, item, context);
  }

  private contextOf(args: unknown[]): { messages: unknown[]; context?: string } {
    if (args.length <= 1) return { messages: args };
    const last = args[args.length - 1];
    return isString(last) ? { messages: args.slice(0, -1), context: last } : { messages: args };
  }

  private entry(level: LogLevel, message: unknown, context: string | undefined, stack?: string): void {
    const value = typeof message === 'function' ? (message as () => unknown)() : message;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (value instanceof Error) {
      fields['message'] = scrubSecrets(value.message);
      fields['stack'] = scrubSecrets(stack ?? value.stack ?? '');
      if (!fields['stack']) delete fields['stack'];
    } else {
      fields['message'] = scrubbedValue(value);
      if (stack) fields['stack'] = scrubSecrets(stack);
    }
    this.logger[PINO_LEVEL[level]](fields);
  }
}
