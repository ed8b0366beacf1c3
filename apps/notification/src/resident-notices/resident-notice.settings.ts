import { z } from 'zod';
import { optionalString, providerBaseUrl } from '../setting-values';

/**
 * The environment of resident step notices (docs/operations.md, "Resident notifications"); merged into the
 * notification service's schema. Which channel each site uses is in the file RESIDENT_NOTIFICATIONS_FILE names.
 */
export const ResidentNoticeSettingsSchema = z.object({
  /** Where a resident opens their order's status page; the link token is appended (the console's /r/). */
  RESIDENT_LINK_BASE_URL: z
    .string({ required_error: 'is required: where residents open status links, e.g. http://127.0.0.1:3006/r/' })
    .url(),
  /** Channels per site and report channel, time zones and quiet hours (config/resident-notifications.json). */
  RESIDENT_NOTIFICATIONS_FILE: z.string().min(1).default('config/resident-notifications.json'),
  /** The WeChat API: https://api.weixin.qq.com, or a stand-in on loopback in tests. */
  WECHAT_API_BASE_URL: providerBaseUrl('https://api.weixin.qq.com'),
  /** The mini-program's (or official account's) AppID and AppSecret; both or neither. Absent: no WeChat notices. */
  WECHAT_APP_ID: optionalString(
    z
      .string()
      .trim()
      .regex(/^wx[0-9a-f]{16}$/, 'must be a WeChat AppID ("wx" and 16 hex digits)'),
  ),
  WECHAT_APP_SECRET: optionalString(
    z
      .string()
      .trim()
      .regex(/^[0-9a-zA-Z]{32}$/, 'must be a WeChat AppSecret (32 letters and digits)'),
  ),
});
export type ResidentNoticeSettings = z.infer<typeof ResidentNoticeSettingsSchema>;

/** WECHAT_APP_ID and WECHAT_APP_SECRET go together. No message repeats a value. */
export const refineResidentNoticeSettings = (env: ResidentNoticeSettings, ctx: z.RefinementCtx): void => {
  if ((env.WECHAT_APP_ID === undefined) === (env.WECHAT_APP_SECRET === undefined)) return;
  const missing = env.WECHAT_APP_ID === undefined ? 'WECHAT_APP_ID' : 'WECHAT_APP_SECRET';
  ctx.addIssue({
    code: z.ZodIssueCode.custom,
    path: [missing],
    message: 'WECHAT_APP_ID and WECHAT_APP_SECRET go together (both for WeChat notices, or neither)',
  });
};
