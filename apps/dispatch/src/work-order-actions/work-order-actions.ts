import {
  CancelReasonSchema,
  HoldReasonSchema,
  StaffMemberInputSchema,
  StaffMemberSchema,
  TextSchema,
} from '@closeloop/contracts';
import { WorkOrderCommand } from '@closeloop/work-order-domain';
import { z } from 'zod';

// Free texts follow the input policy (TextSchema: nothing PostgreSQL cannot store); the staff member a reassignment
// or hand-over names follows the staff id rule, as a token's subject does.
const reason = TextSchema(1000);
const optionalNote = TextSchema(1000).optional();
const nothing = z.object({}).strict();

type Staff = z.infer<typeof StaffMemberSchema>;

export interface ActionContext {
  readonly by: Staff;
  readonly now: Date;
  readonly reopenWindowSeconds: number;
}

/** A valid body, normalised (trimmed, defaults filled in), and the command it becomes once the context is known. */
export type ParsedAction =
  { ok: true; body: unknown; command: (context: ActionContext) => WorkOrderCommand } | { ok: false; error: z.ZodError };

const action = <S extends z.ZodTypeAny>(
  command: WorkOrderCommand['type'],
  body: S,
  toCommand: (body: z.infer<S>, context: ActionContext) => WorkOrderCommand,
) => ({
  command,
  parse: (input: unknown): ParsedAction => {
    const parsed = body.safeParse(input);
    return parsed.success
      ? { ok: true, body: parsed.data, command: (context) => toCommand(parsed.data, context) }
      : { ok: false, error: parsed.error };
  },
});

/** The staff actions of `POST /v1/work-orders/{id}/{action}`: each one's body and the command it becomes. */
export const workOrderActions = {
  acknowledge: action('Acknowledge', nothing, (_b, { by, now }) => ({ type: 'Acknowledge', by, now })),
  start: action('StartWork', nothing, (_b, { by, now }) => ({ type: 'StartWork', by, now })),
  hold: action('PutOnHold', z.object({ reason: HoldReasonSchema, note: optionalNote }).strict(), (b, { by, now }) => ({
    type: 'PutOnHold',
    by,
    reason: b.reason,
    note: b.note,
    now,
  })),
  resume: action('Resume', nothing, (_b, { by, now }) => ({ type: 'Resume', by, now })),
  resolve: action(
    'Resolve',
    z.object({ notes: TextSchema(4000), photoRefs: z.array(TextSchema(512)).max(20).default([]) }).strict(),
    (b, { by, now }) => ({ type: 'Resolve', by, notes: b.notes, photoRefs: b.photoRefs, now }),
  ),
  reassign: action(
    'ReassignTechnician',
    z.object({ to: StaffMemberInputSchema, reason }).strict(),
    (b, { by, now }) => ({ type: 'ReassignTechnician', by, to: b.to, reason: b.reason, now }),
  ),
  handover: action(
    'HandOverOwnership',
    z.object({ to: StaffMemberInputSchema, reason }).strict(),
    (b, { by, now }) => ({ type: 'HandOverOwnership', by, to: b.to, reason: b.reason, now }),
  ),
  cancel: action('Cancel', z.object({ reason: CancelReasonSchema, note: optionalNote }).strict(), (b, { by, now }) => ({
    type: 'Cancel',
    by,
    reason: b.reason,
    note: b.note,
    now,
  })),
  reopen: action('Reopen', z.object({ reason }).strict(), (b, { by, now, reopenWindowSeconds }) => ({
    type: 'Reopen',
    by,
    reason: b.reason,
    reopenWindowSeconds,
    now,
  })),
} as const;

export type WorkOrderActionName = keyof typeof workOrderActions;

export const isWorkOrderAction = (name: string): name is WorkOrderActionName =>
  Object.prototype.hasOwnProperty.call(workOrderActions, name);

/** Commands named as the HTTP actions that issue them, for a 409's list of what is allowed now. */
export const actionsFor = (commands: readonly string[]): string[] =>
  Object.entries(workOrderActions)
    .filter(([, a]) => commands.includes(a.command))
    .map(([name]) => name);
