import { z } from 'zod';

/** Sites are in mainland China unless configured otherwise. */
export const DEFAULT_SITE_TIME_ZONE = 'Asia/Shanghai';

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** An IANA time zone name, checked against the runtime's zone database. */
export const TimeZoneSchema = z.string().refine(isTimeZone, (zone) => ({ message: `unknown time zone "${zone}"; use an IANA name such as Asia/Shanghai` }));
