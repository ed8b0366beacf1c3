// The resident's status page: the number, the status in plain words, each step with its time, when it should be
// done, and what the resident may do now (confirm with stars, "not fixed", a note or photo link). It asks again every
// ten seconds while open, and at once when the resident comes back to it.
import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../../api';
import { changeLanguage, localeOf } from '../../i18n';
import { fetchResidentOrder, sendResidentAction, type ResidentAction } from './resident-api';
import { formatWhen, REFRESH_MILLIS, stepWords, type ResidentOrder } from './resident-order';

type Loaded =
  | { readonly kind: 'loading' }
  | { readonly kind: 'order'; readonly order: ResidentOrder; readonly at: Date }
  | { readonly kind: 'not-found' };

const newKey = (): string =>
  typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;

export const ResidentPage = ({ token }: { readonly token: string }) => {
  const { t, i18n } = useTranslation('resident');
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [offline, setOffline] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const locale = localeOf(i18n.language);

  const refresh = useCallback(async () => {
    try {
      const order = await fetchResidentOrder(token);
      setLoaded({ kind: 'order', order, at: new Date() });
      setOffline(false);
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 404) setLoaded({ kind: 'not-found' });
      else setOffline(true);
    }
  }, [token]);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), REFRESH_MILLIS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    window.addEventListener('focus', onVisible);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('focus', onVisible);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh]);

  const act = async (action: ResidentAction): Promise<boolean> => {
    setNotice(undefined);
    setProblem(undefined);
    try {
      await sendResidentAction(token, action, newKey());
      setNotice(t('sent'));
      await refresh();
      return true;
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 404) setLoaded({ kind: 'not-found' });
      else if (error instanceof ApiProblem && error.status === 409) {
        setProblem(t('moved'));
        await refresh();
      } else if (error instanceof ApiProblem && error.status === 429) setProblem(t('tooMany'));
      else setProblem(t('failed', { message: error instanceof Error ? error.message : String(error) }));
      return false;
    }
  };

  const other = i18n.language === 'zh' ? 'en' : 'zh';
  return (
    <div className="resident">
      <header>
        <h1>{t('title')}</h1>
        <button
          type="button"
          lang={other === 'zh' ? 'zh-CN' : 'en'}
          aria-label={t('switchLanguageLabel')}
          onClick={() => void changeLanguage(other)}
        >
          {t('switchLanguage')}
        </button>
      </header>
      <main>
        {loaded.kind === 'loading' && <p>{t('loading')}</p>}
        {loaded.kind === 'not-found' && (
          <p className="problem" role="alert">
            {t('notFound')}
          </p>
        )}
        {loaded.kind === 'order' && (
          <OrderView
            order={loaded.order}
            refreshedAt={loaded.at}
            locale={locale}
            act={act}
            onRefresh={() => void refresh()}
          />
        )}
        {offline && loaded.kind !== 'not-found' && (
          <p className="problem" role="status">
            {t('unreachable')}
          </p>
        )}
        <div aria-live="polite">
          {notice && <p className="notice">{notice}</p>}
          {problem && <p className="problem">{problem}</p>}
        </div>
      </main>
    </div>
  );
};

const OrderView = ({
  order,
  refreshedAt,
  locale,
  act,
  onRefresh,
}: {
  readonly order: ResidentOrder;
  readonly refreshedAt: Date;
  readonly locale: string;
  readonly act: (action: ResidentAction) => Promise<boolean>;
  readonly onRefresh: () => void;
}) => {
  const { t } = useTranslation('resident');
  const when = (iso: string) => formatWhen(iso, locale, order.timeZone);
  const { actions } = order;
  return (
    <>
      <section className="card" aria-labelledby="resident-status">
        <p className="muted">{t('number', { number: order.number })}</p>
        <p id="resident-status" className="status" data-status={order.status}>
          {t(`status.${order.status}`)}
        </p>
        {order.due && <p>{t(order.due.paused ? 'duePaused' : 'due', { when: when(order.due.at) })}</p>}
        <p className="muted">
          {t('refreshed', { time: formatWhen(refreshedAt.toISOString(), locale, order.timeZone) })}{' '}
          <button type="button" onClick={onRefresh}>
            {t('refresh')}
          </button>
        </p>
      </section>
      <section className="card" aria-labelledby="resident-steps">
        <h2 id="resident-steps">{t('steps')}</h2>
        <ol className="steps">
          {[...order.steps].reverse().map((step, i) => {
            const words = stepWords(step, (key) => t(key));
            return (
              <li key={`${step.step}-${step.at}-${i}`} data-step={step.step}>
                <time dateTime={step.at}>{when(step.at)}</time>
                {t(words.key, words.values)}
              </li>
            );
          })}
        </ol>
      </section>
      {(actions.confirm || actions.reject || actions.note) && (
        <section className="card" aria-labelledby="resident-actions">
          <h2 id="resident-actions">{t('actions')}</h2>
          {actions.confirm && <ConfirmForm act={act} />}
          {actions.reject && <RejectForm act={act} />}
          {actions.note && <NoteForm act={act} />}
        </section>
      )}
    </>
  );
};

/** Sends once at a time; the form is cleared when the action was recorded. */
const useSending = (act: (action: ResidentAction) => Promise<boolean>) => {
  const [sending, setSending] = useState(false);
  const busy = useRef(false);
  const send = async (action: ResidentAction): Promise<boolean> => {
    if (busy.current) return false;
    busy.current = true;
    setSending(true);
    try {
      return await act(action);
    } finally {
      busy.current = false;
      setSending(false);
    }
  };
  return { sending, send };
};

/** Each action form's heading id, its words (keys in the resident namespace) and its button's tone. */
const FORMS: Readonly<
  Record<'confirm' | 'reject' | 'note', { id: string; title: string; submit: string; tone?: 'primary' | 'danger' }>
> = {
  confirm: { id: 'resident-confirm', title: 'confirmTitle', submit: 'confirm', tone: 'primary' },
  reject: { id: 'resident-reject', title: 'notFixed', submit: 'sendNotFixed', tone: 'danger' },
  note: { id: 'resident-note', title: 'noteTitle', submit: 'addNote' },
};

/**
 * One of the resident's action forms: its heading, its fields, and a submit button that says so while it sends.
 * `submit` runs with the browser's own submission already stopped.
 */
const ActionForm = ({
  form,
  sending,
  submit,
  children,
}: {
  readonly form: keyof typeof FORMS;
  readonly sending: boolean;
  readonly submit: () => Promise<void>;
  readonly children: ReactNode;
}) => {
  const { t } = useTranslation('resident');
  const { id, title, submit: submitLabel, tone } = FORMS[form];
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby={id}>
      <h3 id={id}>{t(title)}</h3>
      {children}
      <div className="row">
        <button type="submit" className={tone} disabled={sending}>
          {sending ? t('sending') : t(submitLabel)}
        </button>
      </div>
    </form>
  );
};

/** A two-row text area under its label. */
const TextArea = ({
  id,
  label,
  value,
  onChange,
  maxLength,
  required,
}: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly maxLength: number;
  readonly required?: boolean;
}) => (
  <>
    <label className="field" htmlFor={id}>
      {label}
    </label>
    <textarea
      id={id}
      required={required}
      maxLength={maxLength}
      rows={2}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  </>
);

const ConfirmForm = ({ act }: { readonly act: (action: ResidentAction) => Promise<boolean> }) => {
  const { t } = useTranslation('resident');
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState(false);
  const { sending, send } = useSending(act);
  const submit = async () => {
    if (rating < 1) {
      setMissing(true);
      return;
    }
    const body = comment.trim() === '' ? { rating } : { rating, comment: comment.trim() };
    if (await send({ kind: 'confirmation', body })) setComment('');
  };
  return (
    <ActionForm form="confirm" sending={sending} submit={submit}>
      <fieldset>
        <legend>{t('stars')}</legend>
        <div className="stars">
          {[1, 2, 3, 4, 5].map((stars) => (
            <label key={stars} className={stars <= rating ? 'on' : ''}>
              <input
                type="radio"
                name="rating"
                value={stars}
                checked={rating === stars}
                onChange={() => {
                  setRating(stars);
                  setMissing(false);
                }}
              />
              <span aria-hidden="true">★</span>
              <span className="visually-hidden">{t('starLabel', { stars })}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {missing && <p className="problem">{t('chooseStars')}</p>}
      <TextArea id="resident-comment" label={t('comment')} maxLength={2000} value={comment} onChange={setComment} />
    </ActionForm>
  );
};

const RejectForm = ({ act }: { readonly act: (action: ResidentAction) => Promise<boolean> }) => {
  const { t } = useTranslation('resident');
  const [reason, setReason] = useState('');
  const { sending, send } = useSending(act);
  const submit = async () => {
    if (reason.trim() === '') return;
    if (await send({ kind: 'rejection', body: { reason: reason.trim() } })) setReason('');
  };
  return (
    <ActionForm form="reject" sending={sending} submit={submit}>
      <TextArea
        id="resident-reason"
        label={t('rejectReason')}
        required
        maxLength={1000}
        value={reason}
        onChange={setReason}
      />
    </ActionForm>
  );
};

const NoteForm = ({ act }: { readonly act: (action: ResidentAction) => Promise<boolean> }) => {
  const { t } = useTranslation('resident');
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState('');
  const [empty, setEmpty] = useState(false);
  const { sending, send } = useSending(act);
  const submit = async () => {
    const body = {
      ...(note.trim() === '' ? {} : { note: note.trim() }),
      ...(photo.trim() === '' ? {} : { photoRefs: [photo.trim()] }),
    };
    if (Object.keys(body).length === 0) {
      setEmpty(true);
      return;
    }
    setEmpty(false);
    if (await send({ kind: 'notes', body })) {
      setNote('');
      setPhoto('');
    }
  };
  return (
    <ActionForm form="note" sending={sending} submit={submit}>
      <TextArea id="resident-note-text" label={t('noteText')} maxLength={2000} value={note} onChange={setNote} />
      <label className="field" htmlFor="resident-photo">
        {t('photoRef')}
      </label>
      <input
        id="resident-photo"
        type="text"
        inputMode="url"
        maxLength={512}
        value={photo}
        onChange={(event) => setPhoto(event.target.value)}
      />
      {empty && <p className="problem">{t('emptyNote')}</p>}
    </ActionForm>
  );
};
