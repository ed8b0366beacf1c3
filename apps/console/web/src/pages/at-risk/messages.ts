import type { Messages } from '../../i18n';

const messages: Messages = {
  en: { title: 'AtRiskPage' },
  zh: { title: 'AtRiskPage' },
};
export default messages;
