import { z } from 'zod';
import { isoInstant, note, workOrderId } from './fields';
import { defineEvent, eventRegistry } from './registry';

// ── The resident's own word on their order (the `workorder-<id>` stream) ───────────────────────────────────
// What a resident adds from their status link (`/r/{token}`): a note ("the leak is worse now", "I'm home after
// 18:00") and/or references to photos they uploaded elsewhere. It changes nothing in the loop: the order stays where
// it is, and whoever works on it reads it on the timeline.

/** A photo reference is a key or URL of a photo kept elsewhere (object storage, the app's media), never the photo. */
export const ResidentPhotoRefSchema = z.string().trim().min(1).max(512);

export const ResidentNoteAddedData = z
  .object({
    workOrderId,
    note: note(2000).optional(),
    photoRefs: z.array(ResidentPhotoRefSchema).max(10),
    addedAt: isoInstant,
  })
  .strict();

export const residentNoteEvents = eventRegistry({
  ResidentNoteAdded: defineEvent('closeloop.workorder.resident-note-added.v1', ResidentNoteAddedData),
});
