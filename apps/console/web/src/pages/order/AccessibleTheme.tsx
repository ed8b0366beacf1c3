import { ConfigProvider, type ThemeConfig } from 'antd';
import type { ReactNode } from 'react';

/**
 * antd's defaults that fail WCAG AA contrast on white (axe-core rates them serious): secondary and label text at
 * 45 % black, the link blue, the danger red, and tags whose text is the preset colour's 7th shade. Darker seeds and
 * text tokens keep every colour's meaning and pass 4.5:1. Buttons keep their labels as written ("接单", not antd's
 * spaced "接 单"), so they read and are found by their real names.
 */
const ACCESSIBLE: ThemeConfig = {
  token: {
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextQuaternary: 'rgba(0, 0, 0, 0.6)',
    colorLink: '#0958d9',
    colorError: '#cf1322',
    blue: '#0958d9',
    green: '#237804',
    red: '#a8071a',
    volcano: '#ad2102',
    orange: '#ad4e00',
    gold: '#ad6800',
    purple: '#531dab',
  },
};

export const AccessibleTheme = ({ children }: { children: ReactNode }) => (
  <ConfigProvider theme={ACCESSIBLE} button={{ autoInsertSpace: false }}>
    {children}
  </ConfigProvider>
);
