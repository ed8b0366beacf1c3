// Instants in the site's time zone, numbers and durations by the reader's locale.

/** Closeloop's sites are in mainland China; the services keep their calendars in this zone (docs/reports.md). */
export const SITE_TIME_ZONE = 'Asia/Shanghai';

export const formatInstant = (iso: string | undefined | null, locale: string): string =>
  iso
    ? new Intl.DateTimeFormat(locale, {
        timeZone: SITE_TIME_ZONE,
        dateStyle: 'medium',
        timeStyle: 'medium',
        hourCycle: 'h23',
      }).format(new Date(iso))
    : '—';

export const formatNumber = (value: number | undefined | null, locale: string, digits = 0): string =>
  value === undefined || value === null
    ? '—'
    : new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);

export const formatPercent = (share: number | undefined | null, locale: string): string =>
  share === undefined || share === null
    ? '—'
    : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(share);

/** A signed duration as h:mm:ss (days first when long), negative when overdue. */
export const formatCountdown = (seconds: number): string => {
  const sign = seconds < 0 ? '−' : '';
  let rest = Math.abs(Math.trunc(seconds));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3600);
  const minutes = Math.floor((rest % 3600) / 60);
  const secs = rest % 60;
  const clock = `${hours}:${String(minutes).padStart(2, '0')}:${String(secs).padStart(2, '0')}`;
  return `${sign}${days > 0 ? `${days}d ` : ''}${clock}`;
};
