import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
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

/** antd's blue-7: white text on it, and it on white, pass WCAG AA contrast (antd's default blue-6 does not). */
const ACCESSIBLE_BLUE = '#0958d9';

const Localized = () => {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider
      locale={i18n.language === 'zh' ? zhCN : enUS}
      theme={{ token: { colorPrimary: ACCESSIBLE_BLUE, colorLink: ACCESSIBLE_BLUE } }}
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
