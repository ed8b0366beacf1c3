import type { Messages } from '../../i18n';

const messages: Messages = {
  en: { title: 'OrderPage' },
  zh: { title: 'OrderPage' },
};
export default messages;
