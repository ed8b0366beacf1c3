import { ReportDetails } from '@closeloop/contracts';

// ── Ms Lin, the resident the shared stories follow ───────────────────────────────────────────────────────
// She phones her reports in from site S1: the ceiling leak of the intake and query specs, the burst pipe of the
// work-order specs. The stories differ only in where the trouble is and what she says about it.

/** The place and the words of one of Ms Lin's reports. */
export type MsLinsTrouble = Pick<ReportDetails, 'building' | 'unit' | 'description'>;

/** A report Ms Lin phoned in at site S1 about this trouble. */
export const reportedByMsLin = ({ building, unit, description }: MsLinsTrouble): ReportDetails => ({
  siteId: 'S1',
  building,
  unit,
  channel: 'phone',
  reporter: { name: 'Ms Lin', phone: '13812345678' },
  description,
});
