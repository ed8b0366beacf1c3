import {
  ChannelSchema,
  IdentifierSchema,
  ResidentContactSchema,
  TextSchema,
  ValidationError,
} from '@closeloop/contracts';
import { z } from 'zod';
import { issuesOf, requireStorableText } from '../submit-report/report-input';

/** A resident's question as an integrator or the front desk puts it: the site, their words, who asked and from where. */
export const InquiryInputSchema = z
  .object({
    site: IdentifierSchema,
    text: TextSchema(2000),
    reporter: ResidentContactSchema.default({}),
    building: TextSchema(64).optional(),
    unit: TextSchema(64).optional(),
    channel: ChannelSchema,
  })
  .strict();
export type InquiryInput = z.infer<typeof InquiryInputSchema>;

export const parseInquiry = (body: unknown): InquiryInput => {
  const parsed = InquiryInputSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The inquiry is not valid', issuesOf(parsed.error));
  requireStorableText(parsed.data, 'The inquiry is not valid');
  return parsed.data;
};

/** "It did not help" carries nothing but the resident's word: an empty object (or no body). */
export const NotHelpedSchema = z.object({}).strict();

export const parseNotHelped = (body: unknown): void => {
  const parsed = NotHelpedSchema.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError('The request is not valid', issuesOf(parsed.error));
};
