import type { Messages } from '../../i18n';

const messages: Messages = {
  en: {
    title: 'Sign in',
    intro: 'Sign in to the Closeloop service desk console.',
    exchanging: 'Signing you in…',
    completing: 'Completing the sign-in…',
    signedInAs: 'You are signed in as {{name}}.',
    toBoard: 'Go to the board',
    withProvider: 'Sign in with {{provider}}',
    defaultProvider: 'your organisation account',
    localHint:
      'On the local stack, sign in with a link: `npm run up` prints one, and `npm run admin -- console sign-in-link` makes one for anyone.',
    nothingConfigured:
      'No sign-in is set up here. Open the console with a sign-in link, or with a staff token handed over in the address.',
    refused: {
      SIGN_IN_CODE_USED: 'This sign-in link has been used already. Each link signs in once: ask for a new one.',
      SIGN_IN_CODE_EXPIRED: 'This sign-in link has expired. Ask for a new one.',
      SIGN_IN_CODE_UNKNOWN:
        'This sign-in link is not known here. Check that it was copied whole, or ask for a new one.',
      VALIDATION_FAILED: 'This sign-in link is incomplete. Copy it again in full, or ask for a new one.',
      NOT_FOUND: 'Sign-in links are not accepted here. Sign in with the identity provider.',
    },
    notStaffToken:
      'The sign-in worked, but its token is not one this console can read (it needs a subject and an expiry). Ask an administrator to check the console’s client at the identity provider.',
    providerFailed: 'The sign-in at the identity provider did not complete: {{message}}',
    settingsFailed: 'The console’s settings could not be loaded. Reload the page to try again.',
    again: 'Sign in again',
  },
  zh: {
    title: '登录',
    intro: '登录 Closeloop 物业报修服务台。',
    exchanging: '正在登录…',
    completing: '正在完成登录…',
    signedInAs: '您已登录：{{name}}。',
    toBoard: '进入工单看板',
    withProvider: '使用{{provider}}登录',
    defaultProvider: '企业统一账号',
    localHint:
      '本地环境请使用登录链接：`npm run up` 结束时会打印一个，也可用 `npm run admin -- console sign-in-link` 为任何人生成。',
    nothingConfigured: '此处未配置登录方式。请使用登录链接打开控制台，或在地址中携带员工令牌。',
    refused: {
      SIGN_IN_CODE_USED: '该登录链接已使用过。每个链接只能登录一次，请重新索取。',
      SIGN_IN_CODE_EXPIRED: '该登录链接已过期，请重新索取。',
      SIGN_IN_CODE_UNKNOWN: '无法识别该登录链接。请确认链接复制完整，或重新索取。',
      VALIDATION_FAILED: '该登录链接不完整，请完整复制后重试，或重新索取。',
      NOT_FOUND: '此处不支持登录链接，请使用统一身份认证登录。',
    },
    notStaffToken:
      '身份认证已通过，但返回的令牌无法识别（需包含用户标识和有效期）。请联系管理员检查控制台在身份认证平台的客户端配置。',
    providerFailed: '统一身份认证登录未完成：{{message}}',
    settingsFailed: '控制台配置加载失败，请刷新页面重试。',
    again: '重新登录',
  },
};
export default messages;
