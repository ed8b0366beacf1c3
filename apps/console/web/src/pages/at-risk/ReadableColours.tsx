import { ConfigProvider, type ThemeConfig } from 'antd';
import type { ReactNode } from 'react';
import './readable-colours.css';

/**
 * antd's links (#1677ff) and secondary text (45 % black) fall short of WCAG AA contrast (4.5:1) on the page's
 * background; these pass. The coloured tags' text is darkened by readable-colours.css.
 */
const READABLE: ThemeConfig = {
  token: {
    colorLink: '#0958d9',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
  },
};

export const ReadableColours = ({ children }: { children: ReactNode }) => (
  <ConfigProvider theme={READABLE}>
    <div className="readable-colours">{children}</div>
  </ConfigProvider>
);
