/**
 * Spotting a second report of the same problem: the same site and building (and unit, when both name one), the
 * same category after triage, reported within a window, with descriptions alike enough. The thresholds are
 * configuration; the verdict carries its reasons so the timeline can explain the link.
 */
export interface DuplicateRule {
  readonly windowSeconds: number;
  /** Jaccard similarity of the two descriptions' word sets (Chinese text by character pairs), 0 to 1. */
  readonly minSimilarity: number;
}

export interface ReportForMatching {
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly unit?: string | undefined;
  readonly category: string;
  readonly description: string;
  readonly reportedAt: Date;
}

export interface OpenOrderCandidate extends ReportForMatching {
  readonly workOrderId: string;
  readonly number: string;
}

export interface DuplicateVerdict {
  readonly workOrderId: string;
  readonly number: string;
  readonly similarity: number;
  readonly reason: string;
}

const STOPWORDS = new Set([
  'the',
  'a',
  'an',
  'in',
  'on',
  'at',
  'of',
  'to',
  'and',
  'is',
  'are',
  'my',
  'our',
  'it',
  'there',
  'from',
  'for',
  'with',
  'again',
  'please',
]);

/** Latin words of two letters or more, and overlapping pairs of Chinese characters. */
export const descriptionTokens = (text: string): Set<string> => {
  const lower = text.toLowerCase();
  const words = (lower.match(/[a-z0-9]{2,}/g) ?? []).filter((w) => !STOPWORDS.has(w));
  const tokens = new Set(words);
  for (const run of lower.match(/[\u4e00-\u9fff]+/g) ?? []) {
    if (run.length === 1) tokens.add(run);
    for (let i = 0; i + 1 < run.length; i++) tokens.add(run.slice(i, i + 2));
  }
  return tokens;
};

export const similarity = (a: string, b: string): number => {
  const left = descriptionTokens(a);
  const right = descriptionTokens(b);
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const token of left) if (right.has(token)) shared++;
  return shared / (left.size + right.size - shared);
};

export const findDuplicate = (
  rule: DuplicateRule,
  report: ReportForMatching,
  candidates: readonly OpenOrderCandidate[],
): DuplicateVerdict | undefined => {
  let best: DuplicateVerdict | undefined;
  for (const candidate of candidates) {
    const ageSeconds = (report.reportedAt.getTime() - candidate.reportedAt.getTime()) / 1000;
    if (ageSeconds < 0 || ageSeconds > rule.windowSeconds) continue;
    if (candidate.siteId !== report.siteId || candidate.category !== report.category) continue;
    if (!report.building || candidate.building !== report.building) continue;
    if (report.unit && candidate.unit && report.unit !== candidate.unit) continue;
    const score = similarity(report.description, candidate.description);
    if (score < rule.minSimilarity || (best && best.similarity >= score)) continue;
    const place = `site ${report.siteId}, building ${report.building}${report.unit && candidate.unit ? `, unit ${report.unit}` : ''}`;
    best = {
      workOrderId: candidate.workOrderId,
      number: candidate.number,
      similarity: Math.round(score * 100) / 100,
      reason: `same ${place} and category "${report.category}", reported ${Math.round(ageSeconds / 60)} min after ${candidate.number}, descriptions ${Math.round(score * 100)}% alike (rule: within ${rule.windowSeconds} s, at least ${Math.round(rule.minSimilarity * 100)}%)`,
    };
  }
  return best;
};
