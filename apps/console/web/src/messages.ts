import type { Messages } from './i18n';

const messages: Messages = {
  en: {
    product: 'Closeloop',
    nav: { board: 'Board', atRisk: 'At risk', onCall: 'On call & alerts', reports: 'Reports' },
    site: 'Site',
    language: 'Language',
    signOut: 'Sign out',
    signedOut: 'You are not signed in. Use the sign-in link, or open this console with a staff token.',
    forbidden: 'Your roles do not allow this page.',
    loading: 'Loading…',
    retry: 'Try again',
    failed: 'The service refused: {{message}}',
    unreachable: 'The service could not be reached. Check the connection and try again.',
  },
  zh: {
    product: 'Closeloop 工单闭环',
    nav: { board: '工单看板', atRisk: '超时预警', onCall: '值班与告警', reports: '统计报表' },
    site: '项目',
    language: '语言',
    signOut: '退出登录',
    signedOut: '您尚未登录。请使用登录链接，或携带员工令牌打开控制台。',
    forbidden: '您的角色无权查看此页面。',
    loading: '加载中…',
    retry: '重试',
    failed: '服务拒绝了请求：{{message}}',
    unreachable: '无法连接服务，请检查网络后重试。',
  },
};
export default messages;
