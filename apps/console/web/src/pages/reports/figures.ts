// The service-level figures as rows a table shows: what each is, its value this period and the one before, and
// the change. A figure with nothing to count (a rate over no orders, a median of none) reads "—".
import type { PeriodFigures, ServiceLevelFigures } from './report-shapes';

export type FigureKind = 'count' | 'rate' | 'duration' | 'rating';

export interface FigureDefinition {
  /** The message key under `figure.` that names it. */
  readonly key: string;
  readonly kind: FigureKind;
  readonly read: (figures: ServiceLevelFigures) => number | null;
}

export const FIGURES: readonly FigureDefinition[] = [
  { key: 'received', kind: 'count', read: (f) => f.received },
  { key: 'closed', kind: 'count', read: (f) => f.closed },
  { key: 'cancelled', kind: 'count', read: (f) => f.cancelled },
  { key: 'closureRate', kind: 'rate', read: (f) => f.closureRate },
  { key: 'responseMetRate', kind: 'rate', read: (f) => f.responseMetRate },
  { key: 'resolutionMetRate', kind: 'rate', read: (f) => f.resolutionMetRate },
  { key: 'mttaMedian', kind: 'duration', read: (f) => f.mtta.medianSeconds },
  { key: 'mttaMean', kind: 'duration', read: (f) => f.mtta.meanSeconds },
  { key: 'mttrMedian', kind: 'duration', read: (f) => f.mttr.medianSeconds },
  { key: 'mttrMean', kind: 'duration', read: (f) => f.mttr.meanSeconds },
  { key: 'backlogOpen', kind: 'count', read: (f) => f.backlog.open },
  { key: 'backlogAgeP90', kind: 'duration', read: (f) => f.backlog.ageSeconds.p90 },
  { key: 'reopenRate', kind: 'rate', read: (f) => f.reopenRate },
  { key: 'firstTimeFixRate', kind: 'rate', read: (f) => f.firstTimeFixRate },
  { key: 'satisfactionMean', kind: 'rating', read: (f) => f.satisfaction.meanRating },
  { key: 'rated', kind: 'count', read: (f) => f.satisfaction.rated },
  { key: 'ratingResponseRate', kind: 'rate', read: (f) => f.satisfaction.responseRate },
  { key: 'callbacksRequested', kind: 'count', read: (f) => f.callbacks.requested },
  { key: 'callbacksDone', kind: 'count', read: (f) => f.callbacks.done },
  { key: 'callbacksOverdue', kind: 'count', read: (f) => f.callbacks.overdue },
  { key: 'escalationsLevel1', kind: 'count', read: (f) => f.escalations.level1 },
  { key: 'escalationsLevel2', kind: 'count', read: (f) => f.escalations.level2 },
  { key: 'escalationsLevel3', kind: 'count', read: (f) => f.escalations.level3 },
  { key: 'alertAckMedian', kind: 'duration', read: (f) => f.alertAckSeconds.median },
  { key: 'duplicatesLinked', kind: 'count', read: (f) => f.duplicatesLinked },
  { key: 'followUpContacts', kind: 'count', read: (f) => f.followUpContacts },
];

export const NO_DATA = '—';

const UNITS = [
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
] as const;

/** A duration in its two largest units ("1h 5m", "1小时5分钟"), by the reader's locale. */
export const formatDuration = (seconds: number | null, locale: string): string => {
  if (seconds === null) return NO_DATA;
  let rest = Math.round(Math.abs(seconds));
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0 || (unit === 'second' && parts.length === 0))
      parts.push(new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'narrow' }).format(amount));
    if (parts.length === 2) break;
  }
  const joined = parts.join(locale.startsWith('zh') ? '' : ' ');
  return seconds < 0 ? `−${joined}` : joined;
};

export const formatFigure = (kind: FigureKind, value: number | null, locale: string): string => {
  if (value === null) return NO_DATA;
  switch (kind) {
    case 'count':
      return new Intl.NumberFormat(locale).format(value);
    case 'rate':
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
    case 'rating':
      return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
    case 'duration':
      return formatDuration(value, locale);
    default:
      return kind satisfies never;
  }
};

/** The change from the previous period, signed; a rate's change is in percentage points. */
export const formatChange = (kind: FigureKind, current: number | null, previous: number | null, locale: string) => {
  if (current === null || previous === null) return NO_DATA;
  const change = current - previous;
  if (change === 0) return '0';
  const sign = change > 0 ? '+' : '−';
  const size = Math.abs(change);
  switch (kind) {
    case 'rate':
      return `${sign}${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(size * 100)} pp`;
    case 'duration':
      return `${sign}${formatDuration(size, locale)}`;
    case 'count':
    case 'rating':
      return `${sign}${formatFigure(kind, size, locale)}`;
    default:
      return kind satisfies never;
  }
};

export interface FigureRow {
  readonly key: string;
  readonly current: string;
  readonly previous: string;
  readonly change: string;
}

export const figureRows = (figures: PeriodFigures, locale: string): FigureRow[] =>
  FIGURES.map(({ key, kind, read }) => {
    const current = read(figures.current);
    const previous = read(figures.previous);
    return {
      key,
      current: formatFigure(kind, current, locale),
      previous: formatFigure(kind, previous, locale),
      change: formatChange(kind, current, previous, locale),
    };
  });

/** The figures the per-group table shows: the volume, the targets and how residents felt. */
export const GROUP_FIGURES: readonly FigureDefinition[] = [
  'received',
  'closed',
  'closureRate',
  'responseMetRate',
  'resolutionMetRate',
  'mttrMedian',
  'backlogOpen',
  'satisfactionMean',
].map((key) => FIGURES.find((figure) => figure.key === key)!);
