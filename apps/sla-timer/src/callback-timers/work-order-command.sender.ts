import { CloudEventContentTypes, toCommandCloudEvent, WorkOrderCommandMessage } from '@closeloop/contracts';
import { Producer } from 'kafkajs';

export interface CommandTrace {
  readonly correlationId: string;
  readonly causationId: string;
  readonly sentAt: Date;
}

/**
 * Asks the owner of the work-order streams (dispatch) to act, on `workorders.commands`, keyed by work-order id. The
 * send resolves once every in-sync replica has the record (acks -1): only then may the caller count the command as
 * given. Should that acknowledgement be lost, the caller sends again, and the command's retry key makes it one.
 */
export class WorkOrderCommandSender {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async send(command: WorkOrderCommandMessage, trace: CommandTrace): Promise<void> {
    const cloudEvent = toCommandCloudEvent(command, {
      producer: 'sla-timer',
      actor: { kind: 'system', id: 'sla-timer' },
      ...trace,
    });
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [
        {
          key: command.data.workOrderId,
          value: JSON.stringify(cloudEvent),
          headers: { 'content-type': CloudEventContentTypes.structured, ce_type: command.type, ce_id: cloudEvent.id },
        },
      ],
    });
  }
}
