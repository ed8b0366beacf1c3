import { AlertChannelSender, Destination, OutgoingAlert } from './alert-channel.port';
import {
  deliveryLabel,
  destinationFor,
  HttpChannelOptions,
  JsonPostingChannel,
  statusFailure,
} from './delivery-support';

// ── Markdown → Slack mrkdwn ──────────────────────────────────────────────────────────────────────────────
// Slack's mrkdwn is not Markdown: *bold*, _italic_, ~strike~, <url|text> links, no headings, and &, <, > must be
// escaped as entities (https://api.slack.com/reference/surfaces/formatting). Code spans and fences are the same.

const escapeEntities = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const BOLD = '\u0001';
const LINK_OPEN = '\u0002';
const LINK_CLOSE = '\u0003';

const inline = (segment: string): string => {
  const links: string[] = [];
  let out = escapeEntities(segment).replace(/!?\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, text: string, url: string) => {
    links.push(`<${url}|${text.replace(/\|/g, '¦')}>`);
    return `${LINK_OPEN}${links.length - 1}${LINK_CLOSE}`;
  });
  out = out
    .replace(/\*\*(.+?)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/__(.+?)__/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^\w*])\*(?!\s)(.+?)\*(?!\w)/g, '$1_$2_')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(new RegExp(BOLD, 'g'), '*');
  return out.replace(
    new RegExp(`${LINK_OPEN}(\\d+)${LINK_CLOSE}`, 'g'),
    (_m, index: string) => links[Number(index)] ?? '',
  );
};

/** Inline code spans pass through untouched (but escaped); everything else is converted. */
const convertLine = (line: string): string =>
  line
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? escapeEntities(part) : inline(part)))
    .join('');

export const markdownToSlackMrkdwn = (markdown: string): string => {
  let inFence = false;
  return markdown
    .split(/\r?\n/)
    .map((raw) => {
      if (/^\s*```/.test(raw)) {
        inFence = !inFence;
        return raw.trim();
      }
      if (inFence) return escapeEntities(raw);
      const quote = /^\s*>\s?(.*)$/.exec(raw);
      const line = quote ? (quote[1] ?? '') : raw;
      const prefix = quote ? '>' : '';
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (heading) return `${prefix}*${convertLine(heading[1] ?? '')}*`;
      const item = /^(\s*)[-*+]\s+(.*)$/.exec(line);
      if (item) return `${prefix}${item[1] ?? ''}• ${convertLine(item[2] ?? '')}`;
      if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return `${prefix}──────────`;
      return `${prefix}${convertLine(line)}`;
    })
    .join('\n');
};

/** A section's text holds at most 3000 characters and a message at most 50 blocks: split on lines. */
const SECTION_MAX = 3000;
const BLOCKS_MAX = 50;

export const slackSections = (mrkdwn: string): string[] => {
  const sections: string[] = [];
  let current = '';
  for (const line of mrkdwn.split('\n')) {
    const pieces =
      line.length > SECTION_MAX ? (line.match(new RegExp(`[\\s\\S]{1,${SECTION_MAX}}`, 'g')) ?? []) : [line];
    for (const piece of pieces) {
      const next = current ? `${current}\n${piece}` : piece;
      if (next.length > SECTION_MAX) {
        sections.push(current);
        current = piece;
      } else {
        current = next;
      }
    }
  }
  if (current.trim()) sections.push(current);
  return sections.slice(0, BLOCKS_MAX);
};

/**
 * Slack incoming webhook: POST {text, blocks}; `text` is the notification's fallback, the blocks are what the
 * channel shows. Slack answers "ok" or a status with a short token: 400 invalid_payload, 403 action_prohibited,
 * 404 channel_not_found / no_service, 410 channel_is_archived, 429 rate_limited.
 */
export class SlackChannel extends JsonPostingChannel implements AlertChannelSender {
  readonly channel = 'slack' as const;

  constructor(options: HttpChannelOptions = {}) {
    super(options);
  }

  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('slack', destination);
    const label = deliveryLabel(target);
    const blocks = slackSections(markdownToSlackMrkdwn(alert.markdown)).map((text) => ({
      type: 'section',
      text: { type: 'mrkdwn', text },
    }));
    const body = JSON.stringify({ text: alert.title, blocks });
    const reply = await this.postJson(label, target.url, body);
    // Slack's error bodies are fixed tokens; anything else is not repeated.
    const token = reply.body.trim();
    const failure = statusFailure(label, reply.status, /^[a-z_]{1,60}$/.test(token) ? token : undefined);
    if (failure) throw failure;
  }
}
