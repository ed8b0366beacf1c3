import type { Messages } from '../../i18n';

const messages: Messages = {
  en: {
    title: 'At risk',
    intro: 'Open orders by how much of their running SLA target has gone. Refreshes by itself every 10 seconds.',
    tabsLabel: 'Orders by SLA band',
    allAtRisk: 'All at risk',
    band: {
      breached: 'Breached',
      '90+': 'Over 90 %',
      '75-90': '75–90 %',
      '50-75': '50–75 %',
      'under-50': 'Under 50 %',
    },
    count: '{{label}} ({{count}})',
    column: {
      number: 'Order',
      tier: 'Tier',
      status: 'Status',
      band: 'Time gone',
      countdown: 'Time left',
      level: 'Escalation',
      paged: 'Paged',
    },
    nobodyPaged: 'Nobody yet',
    pagedHidden: 'Alerts are shown to dispatchers, supervisors and staff on call.',
    acknowledgedBy: 'acknowledged',
    empty: 'No orders in this band.',
  },
  zh: {
    title: '超时预警',
    intro: '按当前 SLA 时限已用比例列出本项目未办结的工单，每 10 秒自动刷新。',
    tabsLabel: '按时限使用比例分组的工单',
    allAtRisk: '全部预警',
    band: {
      breached: '已超时',
      '90+': '已用 90% 以上',
      '75-90': '已用 75–90%',
      '50-75': '已用 50–75%',
      'under-50': '已用不足 50%',
    },
    count: '{{label}}（{{count}}）',
    column: {
      number: '工单编号',
      tier: '等级',
      status: '状态',
      band: '时限已用',
      countdown: '剩余时间',
      level: '升级级别',
      paged: '已通知',
    },
    nobodyPaged: '尚未通知',
    pagedHidden: '告警仅对调度员、主管和值班人员可见。',
    acknowledgedBy: '已确认',
    empty: '该分组暂无工单。',
  },
};
export default messages;
