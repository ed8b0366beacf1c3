import { isWorkday } from 'chinese-days';
import { BusinessCalendar } from './business-calendar';

// ── Calendars the SLA specs count working time on ────────────────────────────────────────────────────────

/**
 * Mainland China's working days, with public holidays and adjusted workdays (调休) from the chinese-days package,
 * at the default office hours 08:30-17:30. chinese-days 1.5.7 publishes the mainland calendar up to 2026.
 */
export const shanghaiOffice: BusinessCalendar = {
  timeZone: 'Asia/Shanghai',
  opens: '08:30',
  closes: '17:30',
  isWorkingDay: isWorkday,
  hasOfficialDataFor: (year) => year <= 2026,
};
