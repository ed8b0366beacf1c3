import type { Messages } from '../../i18n';

const messages: Messages = {
  en: { title: 'ReportsPage' },
  zh: { title: 'ReportsPage' },
};
export default messages;
