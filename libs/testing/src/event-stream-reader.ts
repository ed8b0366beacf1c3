/** One Server-Sent Event as a client receives it. */
export interface ServerSentEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/**
 * An open text/event-stream response (GET /v1/stream), read one event at a time as a console reads it with fetch:
 * comments (keep-alives) and `retry:` lines are skipped, `data` is parsed as JSON.
 */
export class EventStreamReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(readonly response: Response) {
    if (!response.body) throw new Error(`a ${response.status} response without a body is no event stream`);
    this.reader = response.body.getReader();
  }

  /** Opens a stream, or fails with the status and problem it was answered with instead. */
  static async open(url: string, headers: Record<string, string>): Promise<EventStreamReader> {
    const response = await fetch(url, { headers });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    return new EventStreamReader(response);
  }

  /** The next event; fails if the stream ends first. */
  async next(): Promise<ServerSentEvent> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) return event;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error('the event stream ended');
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** Reads until an event matches, returning it and what came before it. */
  async until(
    matches: (event: ServerSentEvent) => boolean,
  ): Promise<{ match: ServerSentEvent; before: ServerSentEvent[] }> {
    const before: ServerSentEvent[] = [];
    for (;;) {
      const event = await this.next();
      if (matches(event)) return { match: event, before };
      before.push(event);
    }
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

/** An event block's fields; undefined for a block without an event (a comment, a `retry:`). */
const parseBlock = (block: string): ServerSentEvent | undefined => {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ''));
  }
  const event = fields.get('event');
  const data = fields.get('data');
  if (event === undefined || data === undefined) return undefined;
  const id = fields.get('id');
  return { ...(id === undefined ? {} : { id }), event, data: JSON.parse(data) as Record<string, unknown> };
};
