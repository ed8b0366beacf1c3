import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, type ThemeConfig } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import './readable-colours.css';
import { startI18n } from './i18n';
import { restoreSession } from './session';

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: true, staleTime: 5_000 } },
});

/**
 * antd's defaults fall short of WCAG AA contrast (4.5:1): its blue-6 links and buttons, and 45 % black secondary
 * text. blue-7 (white on it, it on white) and 65 % black pass; readable-colours.css darkens the coloured tags' text.
 */
const ACCESSIBLE_BLUE = '#0958d9';
const READABLE_THEME: ThemeConfig = {
  token: {
    colorPrimary: ACCESSIBLE_BLUE,
    colorLink: ACCESSIBLE_BLUE,
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
  },
};

const Localized = () => {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === 'zh' ? zhCN : enUS} theme={READABLE_THEME}>
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
