import type { Messages } from '../../i18n';

const messages: Messages = {
  en: { title: 'BoardPage' },
  zh: { title: 'BoardPage' },
};
export default messages;
