/**
 * The text/event-stream framing (https://html.spec.whatwg.org/multipage/server-sent-events.html): fields one a
 * line, an empty line ending the event. JSON has no raw line breaks, so its data fits on one `data:` line.
 */
export const serverSentEvent = (event: { readonly id?: string; readonly event: string; readonly data: unknown }) =>
  `${event.id === undefined ? '' : `id: ${event.id}\n`}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;

/** A comment line: ignored by clients, it keeps proxies from closing an idle connection. */
export const serverSentComment = (text: string) => `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;

/** How long a client waits before reconnecting after the connection drops. */
export const serverSentRetry = (millis: number) => `retry: ${millis}\n\n`;

/** The largest id PostgreSQL's bigserial gives out. */
const MAX_BIGINT = 2n ** 63n - 1n;

/**
 * Where a reconnecting client resumes: the id of the last event it received (`Last-Event-ID`), undefined when it
 * sent none; null when the header is not an id this stream gives out.
 */
export const lastEventIdOf = (header: string | undefined): bigint | undefined | null => {
  if (header === undefined || header === '') return undefined;
  if (!/^\d{1,19}$/.test(header)) return null;
  const id = BigInt(header);
  return id <= MAX_BIGINT ? id : null;
};
