import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, type ThemeConfig } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { startI18n } from './i18n';
import { restoreSession } from './session';

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 5_000 } },
});

/**
 * antd's defaults fall short of WCAG AA contrast on white (4.5:1; axe-core rates them serious): its blue-6 links
 * and buttons, secondary and label text at 45 % black, the danger red, and tags whose text is a preset colour's
 * 7th shade. Darker seeds and text tokens keep every colour's meaning and pass. Buttons keep their labels as
 * written ("接单", not antd's spaced "接 单"), so they read and are found by their real names.
 */
const ACCESSIBLE_BLUE = '#0958d9';
const READABLE_THEME: ThemeConfig = {
  token: {
    colorPrimary: ACCESSIBLE_BLUE,
    colorLink: ACCESSIBLE_BLUE,
    colorError: '#cf1322',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextQuaternary: 'rgba(0, 0, 0, 0.6)',
    blue: ACCESSIBLE_BLUE,
    green: '#237804',
    red: '#a8071a',
    volcano: '#ad2102',
    orange: '#ad4e00',
    gold: '#ad6800',
    purple: '#531dab',
  },
};

const Localized = () => {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'zh' ? zhCN : enUS}
      theme={READABLE_THEME}
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <App />
      </AntApp>
    </ConfigProvider>
  );
};

restoreSession();
await startI18n();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Localized />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
