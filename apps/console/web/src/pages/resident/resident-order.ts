// The resident's order as the page puts it in words: shapes from the published contract (docs/openapi.yaml), and the
// message key and values of each step. Pure, so the words are tested without a browser.
import type { components } from '../../generated/openapi';

type Schemas = components['schemas'];
export type ResidentOrder = Schemas['ResidentOrder'];
export type ResidentStep = Schemas['ResidentStep'];
export type ResidentConfirmation = Schemas['ResidentConfirmation'];
export type ResidentRejection = Schemas['ResidentRejection'];
export type ResidentNote = Schemas['ResidentNote'];

/** `/r/<token>` → the token; anything else → '' (which the services answer as an unknown link). */
export const tokenFromPath = (pathname: string): string => {
  const match = /^\/r\/([^/?#]+)\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1] as string) : '';
};

export interface StepWords {
  /** The message key, relative to the page's namespace. */
  readonly key: string;
  readonly values: Record<string, string | number>;
}

/** One step as a sentence: its key under `step.` (with a variant where the step has one), and what fills it. */
export const stepWords = (step: ResidentStep, t: (key: string) => string): StepWords => {
  const name = step.technician?.givenName ?? '';
  const team = step.technician?.team ?? '';
  switch (step.step) {
    case 'assigned':
    case 'acknowledged':
      return { key: `step.${step.step}`, values: { name, team } };
    case 'on-hold':
      return { key: 'step.on-hold', values: { reason: t(`holdReason.${step.reason ?? 'other'}`) } };
    case 'resolved':
      return { key: 'step.resolved', values: { notes: step.notes ?? '' } };
    case 'reopened':
      return { key: step.by === 'resident' ? 'step.reopenedByResident' : 'step.reopened', values: {} };
    case 'closed':
      return step.rating === undefined
        ? { key: step.outcome === 'confirmed' ? 'step.closedConfirmed' : 'step.closedUnconfirmed', values: {} }
        : { key: 'step.closedRated', values: { rating: step.rating } };
    case 'cancelled':
      return { key: 'step.cancelled', values: { reason: t(`cancelReason.${step.reason ?? 'other'}`) } };
    case 'note':
      return {
        key: step.note === undefined ? 'step.photosOnly' : 'step.note',
        values: { note: step.note ?? '', photos: step.photoRefs?.length ?? 0 },
      };
    default:
      return { key: `step.${step.step}`, values: {} };
  }
};

/** An instant in the site's zone, as a resident reads it: "11月23日 09:05" / "23 Nov, 09:05". */
export const formatWhen = (iso: string, locale: string, timeZone: string): string =>
  new Intl.DateTimeFormat(locale, {
    timeZone,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

/** The page asks again this often while it is open, and at once when it comes back into view. */
export const REFRESH_MILLIS = 10_000;
