import { Card, List, Rate, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatInstant } from '../../format';
import type { OrderDetails } from './order-data';
import { timelineEntryId } from './OrderTimeline';
import { describeEvent, type TimelineEvent } from './timeline-words';
import { useWords } from './use-words';

const DUPLICATE = 'closeloop.workorder.duplicate-report-linked.';
const FOLLOW_UP = 'closeloop.workorder.follow-up-contact-recorded.';

/** Second reports of the same problem joined to this order, and the residents' "where is my repair?" calls. */
export const DuplicatesAndFollowUps = ({ timeline }: { timeline: readonly TimelineEvent[] }) => {
  const { t } = useTranslation('order');
  const words = useWords();
  const contacts = timeline.filter((e) => e.type.startsWith(DUPLICATE) || e.type.startsWith(FOLLOW_UP));
  return (
    <Card title={t('section.contacts')} size="small">
      <List
        size="small"
        dataSource={contacts}
        locale={{ emptyText: t('contactsList.none') }}
        renderItem={(event) => (
          <List.Item>
            <div>
              <Typography.Text strong>
                {event.type.startsWith(DUPLICATE)
                  ? t('contactsList.duplicate')
                  : t('contactsList.followUp', { n: event.data['contactNumber'] })}
              </Typography.Text>{' '}
              <a href={`#${timelineEntryId(event.eventId)}`}>{formatInstant(event.occurredAt, words.locale)}</a>
              <div>{describeEvent(event, words)}</div>
              {event.type.startsWith(DUPLICATE) && (
                <Typography.Text type="secondary">{String(event.data['description'] ?? '')}</Typography.Text>
              )}
            </div>
          </List.Item>
        )}
      />
    </Card>
  );
};

/** The callback's outcome (回访): the resident's stars and words, and any earlier "not fixed". */
export const ResidentFeedback = ({ order, timeline }: { order: OrderDetails; timeline: readonly TimelineEvent[] }) => {
  const { t } = useTranslation('order');
  const { locale } = useWords();
  const rejections = timeline.filter((e) => e.type.startsWith('closeloop.workorder.resolution-rejected.'));
  const closure = order.closure;
  return (
    <Card title={t('section.feedback')} size="small">
      {closure ? (
        <div>
          <Typography.Text strong>{t(`feedback.outcome.${closure.outcome}`)}</Typography.Text>{' '}
          <Typography.Text type="secondary">{formatInstant(closure.closedAt, locale)}</Typography.Text>
          {closure.rating !== null && (
            <div>
              {t('feedback.rating')}:{' '}
              <Rate disabled value={closure.rating} aria-label={t('feedback.stars', { rating: closure.rating })} />{' '}
              <Typography.Text>{t('feedback.stars', { rating: closure.rating })}</Typography.Text>
            </div>
          )}
          {closure.comment && (
            <Typography.Paragraph style={{ margin: 0 }}>
              {t('feedback.comment')}: {closure.comment}
            </Typography.Paragraph>
          )}
        </div>
      ) : (
        <Typography.Text type="secondary">{t('feedback.none')}</Typography.Text>
      )}
      {rejections.map((event) => (
        <Typography.Paragraph key={event.eventId} style={{ margin: '4px 0 0' }}>
          {t('feedback.rejected', { at: formatInstant(event.occurredAt, locale) })}
          {typeof event.data['comment'] === 'string' ? `: ${event.data['comment']}` : ''}
        </Typography.Paragraph>
      ))}
    </Card>
  );
};
