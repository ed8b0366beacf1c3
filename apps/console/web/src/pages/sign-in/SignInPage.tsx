import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Space, Spin, Typography } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { ApiProblem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { startOidcSignIn } from '../../oidc';
import { fetchSignInSettings, type OidcSettings } from '../../oidc-settings';
import { localeOf } from '../../i18n';
import { signIn, useSession } from '../../session';
import { codeFromAddress, exchangeOnce } from './local-sign-in';

/** The refusals a sign-in link can meet, each in its own words; any other failure is a ProblemAlert. */
const REFUSALS = [
  'SIGN_IN_CODE_USED',
  'SIGN_IN_CODE_EXPIRED',
  'SIGN_IN_CODE_UNKNOWN',
  'VALIDATION_FAILED',
  'NOT_FOUND',
] as const;

export const useSignInSettings = () =>
  useQuery({ queryKey: ['sign-in-settings'], queryFn: fetchSignInSettings, staleTime: Infinity });

/** A token that session.ts cannot read signs nobody in: said in words rather than leaving the page blank. */
export const NotAStaffToken = () => {
  const { t } = useTranslation('sign-in');
  return <Alert type="error" showIcon role="alert" message={t('notStaffToken')} />;
};

/** The sign-in pages' frame: a narrow card under the page's title. */
export const SignInCard = ({ children }: { children: ReactNode }) => {
  const { t } = useTranslation('sign-in');
  return (
    <Card style={{ maxWidth: 560, margin: '32px auto' }}>
      <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('title')}
        </Typography.Title>
        {children}
      </Space>
    </Card>
  );
};

/** A wait the page announces to a screen reader as well. */
export const Waiting = ({ label }: { label: string }) => (
  <Space role="status">
    <Spin />
    <Typography.Text>{label}</Typography.Text>
  </Space>
);

const LinkRefusal = ({ error }: { error: unknown }) => {
  const { t } = useTranslation('sign-in');
  const code = error instanceof ApiProblem ? error.code : undefined;
  const known = REFUSALS.find((refusal) => refusal === code);
  return known ? (
    <Alert type="error" showIcon role="alert" message={t(`refused.${known}`)} />
  ) : (
    <ProblemAlert error={error} />
  );
};

export const SignInPage = () => {
  const { t, i18n } = useTranslation('sign-in');
  const navigate = useNavigate();
  const session = useSession();
  const [code] = useState(codeFromAddress);
  const [unreadable, setUnreadable] = useState(false);
  const settings = useSignInSettings();
  const exchange = useMutation({
    mutationFn: exchangeOnce,
    onSuccess: (token) => (signIn(token) ? navigate('/', { replace: true }) : setUnreadable(true)),
  });
  const { mutate } = exchange;
  // Discovery at the identity provider can fail before the browser leaves: said in words, not swallowed.
  const redirect = useMutation({
    mutationFn: (settings: OidcSettings) => startOidcSignIn(settings, localeOf(i18n.language)),
  });
  useEffect(() => {
    if (code !== undefined) mutate(code);
  }, [code, mutate]);

  const oidc = settings.data?.oidc;
  return (
    <SignInCard>
      <Typography.Paragraph style={{ margin: 0 }}>{t('intro')}</Typography.Paragraph>
      {exchange.isPending && <Waiting label={t('exchanging')} />}
      {exchange.isError && <LinkRefusal error={exchange.error} />}
      {unreadable && <NotAStaffToken />}
      {session && (
        <Alert
          type="success"
          showIcon
          message={t('signedInAs', { name: session.name })}
          action={<Link to="/">{t('toBoard')}</Link>}
        />
      )}
      {settings.isError && <Alert type="warning" showIcon message={t('settingsFailed')} />}
      {oidc && (
        <Button type="primary" size="large" block loading={redirect.isPending} onClick={() => redirect.mutate(oidc)}>
          {t('withProvider', { provider: oidc.providerName ?? t('defaultProvider') })}
        </Button>
      )}
      {redirect.isError && (
        <Alert type="error" showIcon role="alert" message={t('providerFailed', { message: redirect.error.message })} />
      )}
      {settings.data?.localSignIn && <Typography.Paragraph>{t('localHint')}</Typography.Paragraph>}
      {settings.data && !oidc && !settings.data.localSignIn && !session && (
        <Alert type="info" showIcon message={t('nothingConfigured')} />
      )}
    </SignInCard>
  );
};
