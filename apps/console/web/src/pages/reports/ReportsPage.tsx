import { Alert, Input, Radio, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { SITE_TIME_ZONE } from '../../format';
import { hasRole, useSession } from '../../session';
import { useSite } from '../../site';
import { HotSpotsSection } from './HotSpotsSection';
import { MonthlySection } from './MonthlySection';
import { addDays, datesOf, periodFrom, periodParams, rangeProblem, type Period } from './period';
import { ServiceLevelsSection } from './ServiceLevelsSection';

/** The period in the address (`?month=` or `?from=&through=`), so a link opens the same report for a colleague. */
const usePeriod = (): [Period, (period: Period) => void] => {
  const [params, setParams] = useSearchParams();
  const period = useMemo(() => periodFrom(params, new Date(), SITE_TIME_ZONE), [params]);
  const choose = (next: Period) =>
    setParams(
      (previous) => {
        const updated = new URLSearchParams(previous);
        for (const name of ['month', 'from', 'through']) updated.delete(name);
        for (const [name, value] of Object.entries(periodParams(next))) updated.set(name, value);
        return updated;
      },
      { replace: true },
    );
  return [period, choose];
};

const DateInput = ({ label, value, onChange }: { label: string; value: string; onChange: (date: string) => void }) => (
  <Space.Compact>
    <Space.Addon aria-hidden>{label}</Space.Addon>
    <Input type="date" aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} />
  </Space.Compact>
);

const RangeInputs = ({ period, onChange }: { period: Period; onChange: (period: Period) => void }) => {
  const { t } = useTranslation('reports');
  const { from, to } = datesOf(period);
  const [draft, setDraft] = useState({ from, through: addDays(to, -1) });
  const problem = rangeProblem(draft.from, draft.through);
  const edit = (next: { from: string; through: string }) => {
    setDraft(next);
    if (rangeProblem(next.from, next.through) === undefined) onChange({ kind: 'range', ...next });
  };
  return (
    <Space wrap align="center">
      <DateInput label={t('period.from')} value={draft.from} onChange={(from) => edit({ ...draft, from })} />
      <DateInput
        label={t('period.through')}
        value={draft.through}
        onChange={(through) => edit({ ...draft, through })}
      />
      {problem && (
        <Typography.Text type="danger" role="alert">
          {t(`period.${problem}`)}
        </Typography.Text>
      )}
    </Space>
  );
};

const PeriodPicker = ({ period, onChange }: { period: Period; onChange: (period: Period) => void }) => {
  const { t } = useTranslation('reports');
  const { from, to } = datesOf(period);
  return (
    <Space wrap align="center" style={{ marginBottom: 16 }}>
      <Radio.Group
        aria-label={t('period.label')}
        optionType="button"
        value={period.kind}
        onChange={(e) =>
          onChange(
            e.target.value === 'month'
              ? { kind: 'month', month: from.slice(0, 7) }
              : { kind: 'range', from, through: addDays(to, -1) },
          )
        }
        options={[
          { value: 'month', label: t('period.month') },
          { value: 'range', label: t('period.range') },
        ]}
      />
      {period.kind === 'month' ? (
        <Input
          type="month"
          aria-label={t('period.monthInput')}
          value={period.month}
          onChange={(e) => /^\d{4}-\d{2}$/.test(e.target.value) && onChange({ kind: 'month', month: e.target.value })}
          style={{ width: 180 }}
        />
      ) : (
        <RangeInputs period={period} onChange={onChange} />
      )}
    </Space>
  );
};

export const ReportsPage = () => {
  const { t } = useTranslation('reports');
  const session = useSession();
  const [site] = useSite();
  const [period, choosePeriod] = usePeriod();
  if (!hasRole(session, 'supervisor', 'admin', 'dispatcher'))
    return (
      <>
        <Typography.Title level={2}>{t('title')}</Typography.Title>
        <Alert type="warning" showIcon message={t('forbidden', { ns: 'common' })} />
      </>
    );
  return (
    <>
      <Typography.Title level={2}>{t('title')}</Typography.Title>
      <PeriodPicker period={period} onChange={choosePeriod} />
      <ServiceLevelsSection site={site} period={period} />
      <HotSpotsSection site={site} period={period} />
      {/* The monthly report names staff and quotes residents: supervisors and admins only. */}
      {hasRole(session, 'supervisor', 'admin') && <MonthlySection site={site} period={period} />}
    </>
  );
};
