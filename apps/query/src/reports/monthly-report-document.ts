import { localDateTimeOf } from '@closeloop/contracts';
import { MonthlyReport } from './monthly-report';
import { ServiceLevelFigures } from './service-levels';

// The monthly hotline report as a document: its sections in the order a reader meets them, each a title and rows
// of cells, shared by the printable HTML page and the PDF so that the two never say different things.

export interface DocumentTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface DocumentSection {
  readonly title: string;
  readonly paragraphs?: readonly string[];
  readonly table?: DocumentTable;
}

export interface ReportDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly DocumentSection[];
}

const percent = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)} %`);
const count = (value: number): string => String(value);

/** A duration as people read it: 45 min, 3.5 h, 2.1 d. */
export const humanDuration = (seconds: number | null): string => {
  if (seconds === null) return '—';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
};

const headlineRows = (current: ServiceLevelFigures, previous: ServiceLevelFigures): string[][] => {
  const row = (label: string, of: (f: ServiceLevelFigures) => string) => [label, of(current), of(previous)];
  return [
    row('受理 Received', (f) => count(f.received)),
    row('关闭 Closed', (f) => count(f.closed)),
    row('取消 Cancelled', (f) => count(f.cancelled)),
    row('闭环率 Closure rate', (f) => percent(f.closureRate)),
    row('响应达标率 Response targets met', (f) => percent(f.responseMetRate)),
    row('解决达标率 Resolution targets met', (f) => percent(f.resolutionMetRate)),
    row('平均响应时间 MTTA (median)', (f) => humanDuration(f.mtta.medianSeconds)),
    row('平均解决时间 MTTR (median)', (f) => humanDuration(f.mttr.medianSeconds)),
    row('积压 Backlog at month end', (f) => count(f.backlog.open)),
    row('返工率 Reopen rate', (f) => percent(f.reopenRate)),
    row('一次修复率 First-time fix', (f) => percent(f.firstTimeFixRate)),
    row('满意度 Mean rating (1–5)', (f) =>
      f.satisfaction.meanRating === null ? '—' : f.satisfaction.meanRating.toFixed(2),
    ),
    row('回访 Callbacks done / requested', (f) => `${f.callbacks.done} / ${f.callbacks.requested}`),
    row(
      '升级 Escalations L1 / L2 / L3',
      (f) => `${f.escalations.level1} / ${f.escalations.level2} / ${f.escalations.level3}`,
    ),
    row('重复来电 Follow-up calls', (f) => count(f.followUpContacts)),
    row('合并重复 Duplicates linked', (f) => count(f.duplicatesLinked)),
  ];
};

const OUTCOMES: Record<string, string> = {
  closed: '已关闭 closed',
  resolved: '已解决 resolved',
  cancelled: '已取消 cancelled',
  open: '处理中 open',
};

export const reportDocument = (report: MonthlyReport): ReportDocument => {
  const local = (iso: string | null) => (iso === null ? '—' : localDateTimeOf(new Date(iso), report.timeZone));
  const { current, previous } = report.headline;
  return {
    title: `月度热线报告 Monthly hotline report — ${report.siteId} ${report.month}`,
    subtitle: `${report.from} – ${report.to} (${report.timeZone}); compared with ${report.previousMonth}; generated ${local(report.generatedAt)}`,
    sections: [
      {
        title: '一、核心指标 Headline figures',
        table: { columns: ['', report.month, report.previousMonth], rows: headlineRows(current, previous) },
      },
      {
        title: '二、热点问题 Hot issues',
        table: {
          columns: ['类别 Category', '楼栋 Building', report.month, report.previousMonth, '变化 Change'],
          rows: report.hotIssues.hotSpots.map((c) => [
            c.category ?? '—',
            c.building ?? '—',
            count(c.received),
            count(c.previous),
            c.change > 0 ? `+${c.change}` : String(c.change),
          ]),
        },
        paragraphs: report.hotIssues.repeats.map(
          (r) =>
            `重复投诉 Repeat: ${r.building ?? ''} ${r.unit} ${r.category} — ${r.later.number} reported ${r.daysAfterClose} days after ${r.earlier.number} closed`,
        ),
      },
      {
        title: '三、超时工单通报 Orders that missed their target',
        table: {
          columns: [
            '工单 Order',
            '类别 Category',
            '目标 Target',
            '期限 Due',
            '负责人 Owner',
            '升级 Level',
            '结果 Outcome',
          ],
          rows: report.missedTargets.map((m) => [
            m.number,
            m.category ?? '—',
            m.target === 'response' ? '响应 response' : '解决 resolution',
            local(m.dueAt),
            m.owner ?? '—',
            m.escalationLevel === 0 ? '—' : `L${m.escalationLevel}`,
            `${OUTCOMES[m.outcome]}${m.outcomeAt ? ` ${local(m.outcomeAt)}` : ''}`,
          ]),
        },
      },
      {
        title: '四、满意度与住户意见 Satisfaction and residents’ comments',
        paragraphs: [
          `Rated ${report.satisfaction.rated} of ${current.closed} closed orders (${percent(report.satisfaction.responseRate)}); ` +
            `stars 1–5: ${['1', '2', '3', '4', '5'].map((s) => report.satisfaction.distribution[s as '1']).join(' / ')}`,
        ],
        table: {
          columns: ['工单 Order', '评分 Rating', '意见 Comment'],
          rows: report.satisfaction.comments.map((c) => [
            c.number,
            c.rating === null ? '—' : `${c.rating}★`,
            c.comment,
          ]),
        },
      },
      {
        title: '五、回访 Callbacks',
        paragraphs: [
          `Requested ${report.callbacks.requested}, done ${report.callbacks.done}, not answered by month end ${report.callbacks.overdue}.`,
        ],
        table: {
          columns: ['工单 Order', '回访时间 Requested'],
          rows: report.callbacks.unanswered.map((c) => [c.number, local(c.requestedAt)]),
        },
      },
      {
        title: '六、服务台说明 The desk’s notes',
        paragraphs: report.deskNotes
          ? [
              ...report.deskNotes.text.split(/\n+/),
              `— ${report.deskNotes.author.name}, version ${report.deskNotes.version}, ${local(report.deskNotes.savedAt)}`,
            ]
          : ['(no notes yet)'],
      },
      {
        title: '七、指标定义 Definitions',
        paragraphs: Object.entries(report.definitions).map(([figure, meaning]) => `${figure}: ${meaning}`),
      },
    ],
  };
};
