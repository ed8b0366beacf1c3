import { Alert, Button, Input, Layout, Menu, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useLocation } from 'react-router-dom';
import { changeLanguage, type Language } from './i18n';
import { AtRiskPage } from './pages/at-risk/AtRiskPage';
import { BoardPage } from './pages/board/BoardPage';
import { OnCallPage } from './pages/on-call/OnCallPage';
import { OrderPage } from './pages/order/OrderPage';
import { ReportsPage } from './pages/reports/ReportsPage';
import { SignInCallbackPage } from './pages/sign-in/SignInCallbackPage';
import { SignInPage } from './pages/sign-in/SignInPage';
import { signOut, useSession } from './session';
import { useSelectableSites, useSite } from './site';

const NAVIGATION = [
  { path: '/', key: 'board' },
  { path: '/at-risk', key: 'atRisk' },
  { path: '/on-call', key: 'onCall' },
  { path: '/reports', key: 'reports' },
] as const;

const SitePicker = () => {
  const { t } = useTranslation();
  const [site, chooseSite] = useSite();
  const selectable = useSelectableSites();
  return selectable.length > 0 ? (
    <Select
      aria-label={t('site')}
      value={site}
      onChange={chooseSite}
      options={selectable.map((s) => ({ value: s, label: s }))}
      style={{ minWidth: 96 }}
    />
  ) : (
    <Input
      aria-label={t('site')}
      defaultValue={site}
      onPressEnter={(e) => chooseSite(e.currentTarget.value.trim())}
      style={{ width: 96 }}
    />
  );
};

const LanguagePicker = () => {
  const { t, i18n } = useTranslation();
  return (
    <Select
      aria-label={t('language')}
      value={i18n.language as Language}
      onChange={(language: Language) => void changeLanguage(language)}
      options={[
        { value: 'zh', label: '中文' },
        { value: 'en', label: 'English' },
      ]}
      style={{ minWidth: 96 }}
    />
  );
};

const Shell = () => {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  const selected =
    NAVIGATION.find((item) => item.path !== '/' && location.pathname.startsWith(item.path))?.key ?? 'board';
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 16 }}>
        <Typography.Title level={1} style={{ color: '#fff', fontSize: 18, margin: 0, whiteSpace: 'nowrap' }}>
          {t('product')}
        </Typography.Title>
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={[selected]}
          style={{ flex: 1, minWidth: 0 }}
          items={NAVIGATION.map(({ path, key }) => ({
            key,
            label: <Link to={{ pathname: path, search: location.search }}>{t(`nav.${key}`)}</Link>,
          }))}
        />
        <Space>
          {session && <SitePicker />}
          <LanguagePicker />
          {session && (
            <Button onClick={signOut} aria-label={`${t('signOut')} ${session.name}`}>
              {session.name} · {t('signOut')}
            </Button>
          )}
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 16 }}>
        <main>
          {session ? (
            <Routes>
              <Route path="/" element={<BoardPage />} />
              <Route path="/orders/:id" element={<OrderPage />} />
              <Route path="/at-risk" element={<AtRiskPage />} />
              <Route path="/on-call" element={<OnCallPage />} />
              <Route path="/reports" element={<ReportsPage />} />
              <Route path="/sign-in" element={<SignInPage />} />
              <Route path="/sign-in/callback" element={<SignInCallbackPage />} />
            </Routes>
          ) : (
            <Routes>
              <Route path="/sign-in" element={<SignInPage />} />
              <Route path="/sign-in/callback" element={<SignInCallbackPage />} />
              <Route path="*" element={<Alert type="info" showIcon message={t('signedOut')} />} />
            </Routes>
          )}
        </main>
      </Layout.Content>
    </Layout>
  );
};

export const App = () => <Shell />;
