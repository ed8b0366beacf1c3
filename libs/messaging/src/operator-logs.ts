import { scrubSecrets } from '@closeloop/contracts';

/** Where the relay and the consumers write what operators read. */
export interface OperatorLogs {
  readonly log?: (message: string) => void;
  /** Where operators must look (an event or a record parked). Defaults to `log`. */
  readonly alert?: (message: string) => void;
}

/**
 * Both lines, scrubbed: driver errors can quote a connection string, and a reason can quote a value from an event or
 * a message (a resident's phone number), whatever logger they go to.
 */
export const scrubbedLogs = ({
  log = () => undefined,
  alert = log,
}: OperatorLogs): { log: (message: string) => void; alert: (message: string) => void } => ({
  log: (message) => log(scrubSecrets(message)),
  alert: (message) => alert(scrubSecrets(message)),
});
