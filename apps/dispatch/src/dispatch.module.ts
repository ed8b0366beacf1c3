import { Logger } from '@nestjs/common';
import { ReloadingJsonFile } from '@closeloop/config';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { serviceModule } from '@closeloop/runtime';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { RosterSchema } from '@closeloop/work-order-domain';
import { AuditAnchorWorker } from './audit/audit-anchor.worker';
import { WorkOrderAuditHttpController } from './audit/work-order-audit.http.controller';
import { AssignOwnerHandler } from './assign-owner/assign-owner.handler';
import { AssignOwnerOnTriageKafkaController } from './assign-owner/assign-owner-on-triage.kafka.controller';
import { DISPATCH_CONFIG, DispatchConfig, ROSTER, WORK_ORDER_COMMANDS } from './dispatch.config';
import { LoopTimerCommandHandler } from './loop-timers/loop-timer-command.handler';
import { LoopTimerCommandsConsumer } from './loop-timers/loop-timer-commands.consumer';
import { WorkOrderActionsHttpController } from './work-order-actions/work-order-actions.http.controller';

export const dispatchModule = (config: DispatchConfig) =>
  serviceModule(
    { service: 'dispatch', config, relay: true },
    {
      controllers: [AssignOwnerOnTriageKafkaController, WorkOrderActionsHttpController, WorkOrderAuditHttpController],
      providers: [
        { provide: DISPATCH_CONFIG, useValue: config },
        {
          provide: ROSTER,
          useFactory: () =>
            new ReloadingJsonFile('ROSTER_FILE', config.ROSTER_FILE, RosterSchema, (problem) =>
              new Logger('roster').error(problem),
            ),
        },
        {
          provide: WORK_ORDER_COMMANDS,
          useFactory: (store: EventStore) => new WorkOrderCommands(store),
          inject: [EVENT_STORE],
        },
        AssignOwnerHandler,
        LoopTimerCommandHandler,
        LoopTimerCommandsConsumer,
        AuditAnchorWorker,
      ],
    },
  );
