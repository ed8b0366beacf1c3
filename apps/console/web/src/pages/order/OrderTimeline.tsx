import { Card, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatInstant } from '../../format';
import { alertIdOf, describeActor, describeEvent, type TimelineEvent } from './timeline-words';
import { useWords } from './use-words';

/** A timeline entry's colour by what it is about: the order's own steps, its clocks, its pages. */
const colourOf = (type: string): string => {
  if (/\.(breached|escalated|dead-lettered|chain-exhausted)\./.test(type)) return 'red';
  if (type.startsWith('closeloop.sla.')) return 'gray';
  if (type.startsWith('closeloop.alert.')) return 'purple';
  return 'blue';
};

export const timelineEntryId = (eventId: string) => `event-${eventId}`;
export const alertEntryId = (alertId: string) => `alert-${alertId}`;

/** Everything that happened to the order, oldest first: when (site time), who, and what, in words. */
export const OrderTimeline = ({
  events,
  names,
  showAlertLinks,
}: {
  events: readonly TimelineEvent[];
  names: ReadonlyMap<string, string>;
  showAlertLinks: boolean;
}) => {
  const { t } = useTranslation('order');
  const words = useWords();
  return (
    <Card title={t('section.timeline')} size="small">
      <Timeline
        items={events.map((event) => {
          const alertId = alertIdOf(event);
          return {
            key: event.eventId,
            color: colourOf(event.type),
            content: (
              <div id={timelineEntryId(event.eventId)} data-event-type={event.type}>
                <Typography.Text type="secondary">
                  {formatInstant(event.occurredAt, words.locale)} · {describeActor(event.actor, names, words)}
                </Typography.Text>
                <div>{describeEvent(event, words)}</div>
                {alertId && showAlertLinks && (
                  <a href={`#${alertEntryId(alertId)}`}>
                    {t('alerts.showAlert')} {alertId.slice(0, 8)}
                  </a>
                )}
              </div>
            ),
          };
        })}
      />
    </Card>
  );
};
