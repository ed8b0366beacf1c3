import { z } from 'zod';
import { CloudEvent, formatActor } from './cloudevents';
import { ValidationError } from './errors';
import { workOrderId } from './events/fields';
import { CommandOrigin } from './events/metadata';
import { defineEvent, eventRegistry, EventUnionOf } from './events/registry';
import { InstantSchema } from './input-policy';

const timerCommand = {
  workOrderId,
  /** The loop round the timer was set for (0 before any reopen): a timer from before a reopen does nothing. */
  round: z.number().int().nonnegative(),
  /** The timer that fired, and the command's retry key: the same timer sent twice acts once. */
  timerId: z.string().uuid(),
};

export const RequestCallbackCommandData = z
  .object({
    ...timerCommand,
    /** When the resolution was due a confirmation, by the timer's reckoning. */
    dueAt: InstantSchema,
  })
  .strict();

export const CloseWithoutConfirmationCommandData = z.object(timerCommand).strict();

/**
 * Commands one service sends another on `workorders.commands` (docs/adr/0020-commands-between-services-over-kafka.md):
 * CloudEvents like the events, but imperative, and addressed to the owner of the work-order streams (dispatch),
 * which decides on them as on any other command. Written once, like the events, in a registry of their own: they
 * are never stored or published on `workorders.events`. Today they are the loop timers of sla-timer.
 */
export const workOrderCommands = eventRegistry({
  /** The callback timer (回访) fired: a resolved order the resident has not confirmed gets a callback task. */
  RequestCallback: defineEvent('closeloop.workorder.request-callback.v1', RequestCallbackCommandData),
  /** The closing timer fired: still unconfirmed, the order closes without confirmation. */
  CloseWithoutConfirmation: defineEvent(
    'closeloop.workorder.close-without-confirmation.v1',
    CloseWithoutConfirmationCommandData,
  ),
});

export const WorkOrderCommandTypes = workOrderCommands.types;
export const workOrderCommandDataSchemas = workOrderCommands.dataSchemas;
export type WorkOrderCommandType = keyof typeof workOrderCommandDataSchemas;
export type WorkOrderCommandMessage = EventUnionOf<typeof workOrderCommands>;

export interface CommandEnvelope extends CommandOrigin {
  /** The sending service, e.g. "sla-timer". */
  readonly producer: string;
  readonly sentAt: Date;
}

/**
 * The structured-mode CloudEvent for a command. Its id is the command's retry key (the timer id), so a command sent
 * again after a send whose acknowledgement was lost is recognisably the same command.
 */
export const toCommandCloudEvent = (command: WorkOrderCommandMessage, envelope: CommandEnvelope): CloudEvent => ({
  specversion: '1.0',
  id: command.data.timerId,
  source: `closeloop/${envelope.producer}`,
  type: command.type,
  subject: command.data.workOrderId,
  time: envelope.sentAt.toISOString(),
  datacontenttype: 'application/json',
  data: command.data,
  workorderid: command.data.workOrderId,
  correlationid: envelope.correlationId,
  causationid: envelope.causationId,
  actor: formatActor(envelope.actor),
});

const isWorkOrderCommandType = (type: string): type is WorkOrderCommandType =>
  Object.prototype.hasOwnProperty.call(workOrderCommandDataSchemas, type);

/**
 * Validates a command received from the wire. An unknown type or a bad shape can never succeed, so it is a
 * ValidationError: the consumer dead-letters it rather than retrying or skipping it (a skipped command is lost).
 */
export const parseWorkOrderCommand = (event: CloudEvent): WorkOrderCommandMessage => {
  if (!isWorkOrderCommandType(event.type)) {
    throw new ValidationError(
      `no command of type ${event.type}`,
      [{ path: 'type', message: 'unsupported command type' }],
      'UNSUPPORTED_COMMAND_TYPE',
    );
  }
  const parsed = workOrderCommandDataSchemas[event.type].safeParse(event.data);
  if (!parsed.success) {
    throw new ValidationError(
      `invalid ${event.type} command`,
      parsed.error.issues.map((i) => ({ path: `data.${i.path.join('.')}`, message: i.message })),
      'INVALID_COMMAND',
    );
  }
  if (event.workorderid !== undefined && event.workorderid !== parsed.data.workOrderId) {
    throw new ValidationError(
      'the command names another work order than its envelope',
      [{ path: 'workorderid', message: 'differs from data.workOrderId' }],
      'INVALID_COMMAND',
    );
  }
  return { type: event.type, data: parsed.data } as WorkOrderCommandMessage;
};
