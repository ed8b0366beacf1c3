// The site the console shows, kept in the address (`?site=S1`) so a link opens the same view for a colleague.
import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useSession } from './session';

const ALL_SITES = '*';

/** The sites this person may pick from; empty for those who work for every site (they type one). */
export const useSelectableSites = (): readonly string[] =>
  (useSession()?.sites ?? []).filter((site) => site !== ALL_SITES);

export const useSite = (): [string, (site: string) => void] => {
  const [params, setParams] = useSearchParams();
  const selectable = useSelectableSites();
  const site = params.get('site') ?? selectable[0] ?? 'S1';
  const choose = useCallback(
    (next: string) =>
      setParams(
        (previous) => {
          const updated = new URLSearchParams(previous);
          updated.set('site', next);
          return updated;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [site, choose];
};
