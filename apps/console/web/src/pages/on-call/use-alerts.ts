// The site's alerts, shared by the on-call page and the at-risk list (one cache entry per site), refreshed by itself.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { useSession } from '../../session';
import { mayReadAlerts, type Alert } from './alerts';

/** How often the alert and at-risk lists ask again: a supervisor leaves these pages open on a screen. */
export const REFRESH_MILLIS = 10_000;

export const siteAlertsKey = (site: string) => ['notification', 'alerts', site] as const;

/** Every alert of the site the service keeps in its list (the newest 200); not asked for by roles that may not read them. */
export const useSiteAlerts = (site: string) => {
  const session = useSession();
  return useQuery({
    queryKey: siteAlertsKey(site),
    queryFn: ({ signal }) =>
      api<{ alerts: Alert[] }>('notification', `/v1/alerts?siteId=${encodeURIComponent(site)}`, { signal }),
    enabled: mayReadAlerts(session),
    refetchInterval: REFRESH_MILLIS,
  });
};
