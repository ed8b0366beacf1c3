import type { Messages } from '../../i18n';

const messages: Messages = {
  en: { title: 'SignInPage' },
  zh: { title: 'SignInPage' },
};
export default messages;
