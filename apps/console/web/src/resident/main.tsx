// The resident's status page (/r/{token}), a page of its own: no staff sign-in, no antd, no staff pages. Chinese
// unless the resident chose English on an earlier visit.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startI18n } from '../i18n';
import { ResidentPage } from '../pages/resident/ResidentPage';
import { tokenFromPath } from '../pages/resident/resident-order';
import './resident.css';

await startI18n('zh');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ResidentPage token={tokenFromPath(window.location.pathname)} />
  </StrictMode>,
);
