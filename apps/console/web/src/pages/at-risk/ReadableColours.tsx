import { ConfigProvider, type ThemeConfig } from 'antd';
import type { ReactNode } from 'react';

/**
 * antd's tag text (each colour's shade 7 on its shade 1), its links (#1677ff) and its secondary text (45 % black)
 * fall short of WCAG AA contrast (4.5:1); these shades pass, so the bands' colours can carry words axe-core accepts.
 */
const READABLE: ThemeConfig = {
  token: {
    colorLink: '#0958d9',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
    gold7: '#874d00',
    orange7: '#ad4e00',
    volcano7: '#ad2102',
    green7: '#237804',
  },
};

export const ReadableColours = ({ children }: { children: ReactNode }) => (
  <ConfigProvider theme={READABLE}>{children}</ConfigProvider>
);
