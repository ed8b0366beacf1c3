import { z } from 'zod';
import { IdentifierSchema } from './input-policy';

/** How the resident reached the service desk. */
export const ChannelSchema = z.enum(['phone', 'app', 'wechat', 'front-desk', 'other']);
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * Response tiers (三级响应): urgent is answered at once and fixed within about two hours, normal is scheduled
 * within one working day, planned is folded into the monthly plan.
 */
export const TierSchema = z.enum(['urgent', 'normal', 'planned']);
export type Tier = z.infer<typeof TierSchema>;

const identifier = IdentifierSchema;

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

/** A resident who contacted the desk, as far as they gave their name and number. */
export const ResidentContactSchema = z
  .object({
    name: optionalText(100),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 -]*$/, 'must be a phone number: digits, spaces or dashes, optionally after "+"')
      .refine((phone) => {
        const digits = phone.replace(/\D/g, '').length;
        return digits >= 5 && digits <= 20;
      }, 'must hold 5 to 20 digits')
      .optional(),
  })
  .strict();
export type ResidentContact = z.infer<typeof ResidentContactSchema>;

/**
 * The reporter of a new order: their contact details and, when the report came from the site's WeChat official account
 * or mini-program, the openid WeChat gave them there, for telling them of the order's steps by WeChat (ADR 27).
 */
export const ReporterSchema = ResidentContactSchema.extend({
  wechatOpenId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be a WeChat openid (16 to 64 letters, digits, "_" or "-")')
    .optional(),
});
export type Reporter = z.infer<typeof ReporterSchema>;

/** What a resident reported, whichever channel it came through. */
export const ReportDetailsSchema = z
  .object({
    siteId: identifier,
    building: optionalText(64),
    unit: optionalText(64),
    channel: ChannelSchema,
    reporter: ReporterSchema.default({}),
    category: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,47}$/, 'must be a lower-case category code such as "plumbing"')
      .optional(),
    description: z.string().trim().min(1).max(4000),
  })
  .strict();
export type ReportDetails = z.infer<typeof ReportDetailsSchema>;

// ── The resident's side of the loop ───────────────────────────────────────────────────────────────────────

/**
 * "Where is my repair?": a repeat contact, counted and shown to supervisors. The caller may be the reporter or a
 * neighbour; with their number they join the order's contacts, to be called back too.
 */
export const FollowUpContactSchema = z
  .object({ channel: ChannelSchema, note: optionalText(2000), caller: ResidentContactSchema.optional() })
  .strict();

/** The callback (回访): the resident confirms the fix and rates it, which closes the order. */
export const ResolutionConfirmedSchema = z
  .object({
    rating: z.number().int().min(1, 'must be 1 to 5 stars').max(5, 'must be 1 to 5 stars'),
    comment: optionalText(2000),
  })
  .strict();

/** The resident says it is not fixed: the order goes round the loop again. */
export const ResolutionRejectedSchema = z.object({ comment: optionalText(2000) }).strict();

/** Residents know their order by its number; systems by its id. Either names it. */
export const WorkOrderReferenceSchema = z.object({
  workOrderId: z.string().uuid().optional(),
  number: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}-\d{8}-\d{4,}$/, 'must be a work-order number such as S1-20261123-0001')
    .optional(),
});
