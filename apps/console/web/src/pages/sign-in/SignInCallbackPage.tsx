import { useQuery } from '@tanstack/react-query';
import { Alert, Button } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { completeOidcSignIn } from '../../oidc';
import type { OidcSettings } from '../../oidc-settings';
import { signIn } from '../../session';
import { NotAStaffToken, SignInCard, useSignInSettings, Waiting } from './SignInPage';

// The identity provider sends the browser back here once; the code it carries is exchanged once per page load,
// however often the page renders (a second exchange of the same state would fail).
const completions = new Map<string, Promise<string>>();
const completeOnce = (settings: OidcSettings): Promise<string> => {
  const started = completions.get(settings.clientId) ?? completeOidcSignIn(settings);
  completions.set(settings.clientId, started);
  return started;
};

/** Where the identity provider returns to: the code becomes a staff token in session.ts, then the board. */
export const SignInCallbackPage = () => {
  const { t } = useTranslation('sign-in');
  const navigate = useNavigate();
  const settings = useSignInSettings();
  const oidc = settings.data?.oidc;
  const [unreadable, setUnreadable] = useState(false);
  const completion = useQuery({
    queryKey: ['oidc-callback'],
    queryFn: () => completeOnce(oidc as OidcSettings),
    enabled: oidc !== undefined,
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const token = completion.data;
  useEffect(() => {
    if (token === undefined) return;
    if (signIn(token)) navigate('/', { replace: true });
    else setUnreadable(true);
  }, [token, navigate]);

  const failure = completion.error ?? (settings.data && !oidc ? new Error('OIDC is not configured') : undefined);
  return (
    <SignInCard>
      {!failure && !unreadable && <Waiting label={t('completing')} />}
      {failure && (
        <Alert type="error" showIcon role="alert" message={t('providerFailed', { message: failure.message })} />
      )}
      {unreadable && <NotAStaffToken />}
      {(failure || unreadable) && <Button onClick={() => navigate('/sign-in', { replace: true })}>{t('again')}</Button>}
    </SignInCard>
  );
};
