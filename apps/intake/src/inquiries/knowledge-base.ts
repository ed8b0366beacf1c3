import { IdentifierSchema, LocalDateSchema, TextSchema } from '@closeloop/contracts';
import { z } from 'zod';

/** What an answer is about; the desk's common questions (DOMAIN.md: consultations). */
export const AnswerTopicSchema = z.enum([
  'fees',
  'parking',
  'opening-hours',
  'renovation',
  'utility-notice',
  'pets',
  'waste',
  'access-cards',
  'other',
]);

/** An answer's id, stable across versions: `fees-how-to-pay`. */
export const AnswerIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,63}$/,
    'must be 1-64 lower-case letters, digits or "-", starting with a letter or digit',
  );

/** The site an answer is for, or `*` for every site. */
export const AnswerSiteSchema = z.union([z.literal('*'), IdentifierSchema]);
export const EVERY_SITE = '*';

/**
 * One answer of a site's knowledge base: the questions it answers (Chinese first, English too), words residents use
 * for its subject, the answer in both languages, and for a notice (a water or power cut) the days it holds: outside
 * them it answers nothing, so an old notice never answers a new cut.
 */
export const AnswerContentSchema = z
  .object({
    topic: AnswerTopicSchema,
    questions: z
      .object({
        zh: z.array(TextSchema(200)).min(1).max(20),
        en: z.array(TextSchema(200)).max(20).default([]),
      })
      .strict(),
    keywords: z.array(TextSchema(40)).max(40).default([]),
    answer: z.object({ zh: TextSchema(4000), en: TextSchema(4000) }).strict(),
    validFrom: LocalDateSchema.optional(),
    validUntil: LocalDateSchema.optional(),
  })
  .strict()
  .refine((a) => a.validFrom === undefined || a.validUntil === undefined || a.validFrom <= a.validUntil, {
    message: 'validUntil must not be before validFrom',
    path: ['validUntil'],
  });
export type AnswerContent = z.infer<typeof AnswerContentSchema>;

/** An answer as stored: its content, the site it is for, and its version (1 for the first, one more per change). */
export interface KnowledgeBaseAnswer {
  readonly siteId: string;
  readonly answerId: string;
  readonly version: number;
  readonly content: AnswerContent;
  readonly updatedAt: Date;
  readonly updatedBy: string;
}

/** config/knowledge-base.json: the answers a deployment starts with, each for some sites or every site. */
export const KnowledgeBaseFileSchema = z
  .object({
    answers: z
      .array(z.object({ id: AnswerIdSchema, sites: z.array(AnswerSiteSchema).min(1).max(100) }).passthrough())
      .max(2000),
  })
  .strict()
  .transform((file, ctx) =>
    file.answers.flatMap(({ id, sites, ...rest }, index) => {
      const content = AnswerContentSchema.safeParse(rest);
      if (!content.success) {
        for (const issue of content.error.issues)
          ctx.addIssue({ ...issue, path: ['answers', index, ...issue.path] } as z.IssueData);
        return [];
      }
      return sites.map((siteId) => ({ siteId, answerId: id, content: content.data }));
    }),
  );
export type SeedAnswer = { readonly siteId: string; readonly answerId: string; readonly content: AnswerContent };

/** Whether an answer holds on a local date: a notice only within its days. */
export const answerHoldsOn = (content: AnswerContent, localDate: string): boolean =>
  (content.validFrom === undefined || content.validFrom <= localDate) &&
  (content.validUntil === undefined || localDate <= content.validUntil);
