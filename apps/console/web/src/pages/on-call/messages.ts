import type { Messages } from '../../i18n';

const messages: Messages = {
  en: { title: 'OnCallPage' },
  zh: { title: 'OnCallPage' },
};
export default messages;
