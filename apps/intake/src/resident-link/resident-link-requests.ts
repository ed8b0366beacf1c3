import { ResidentPhotoRefSchema } from '@closeloop/contracts';
import type { Request } from 'express';
import { z } from 'zod';
import { jsonBodyOf } from '../resident-feedback/json-body';
import { ResidentFeedback } from '../resident-feedback/resident-feedback.handler';

const text = (max: number) => z.string().trim().min(1).max(max);

/** What the resident's page sends: the closed loop's own words (rating 1-5, a reason, a note), nothing else. */
export const ResidentConfirmationSchema = z
  .object({ rating: z.number().int().min(1).max(5), comment: text(2000).optional() })
  .strict();
export const ResidentRejectionSchema = z.object({ reason: text(1000) }).strict();
export const ResidentNoteSchema = z
  .object({ note: text(2000).optional(), photoRefs: z.array(ResidentPhotoRefSchema).max(10).optional() })
  .strict()
  .refine((body) => body.note !== undefined || (body.photoRefs?.length ?? 0) > 0, {
    message: 'give a note, a photo reference, or both',
    path: ['note'],
  });

export const confirmationOf = (request: Request): ResidentFeedback => {
  const body = jsonBodyOf(ResidentConfirmationSchema, request);
  return { kind: 'confirmation', rating: body.rating, comment: body.comment };
};

export const rejectionOf = (request: Request): ResidentFeedback => ({
  kind: 'rejection',
  comment: jsonBodyOf(ResidentRejectionSchema, request).reason,
});

export const noteOf = (request: Request): ResidentFeedback => {
  const body = jsonBodyOf(ResidentNoteSchema, request);
  return { kind: 'note', note: body.note, photoRefs: body.photoRefs ?? [] };
};
