import { randomUUID } from 'node:crypto';
import { allDayRotation, NotificationUnderTest, startReceiver } from '../notification-under-test.spec';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** A JSON request to the service under test: the answer's status, and its JSON body when it has one. */
export const sendJson = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
  const response = await fetch(url, {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> };
};

/** One person on call all day at a level of a site (level 1 unless told), paged on the destinations given. */
export const putOnCall = async (
  service: NotificationUnderTest,
  admin: Record<string, string>,
  site: {
    readonly siteId: string;
    readonly staffId: string;
    readonly destinations: readonly Record<string, unknown>[];
    readonly level?: number;
  },
) => {
  const rotation = allDayRotation(site.siteId, site.level ?? 1, [site.staffId]);
  expect(
    (await sendJson('PUT', `${service.baseUrl}/v1/on-call/rotations/${randomUUID()}`, admin, rotation)).status,
  ).toBe(200);
  const { destinations } = site;
  expect(
    (await sendJson('PUT', `${service.baseUrl}/v1/on-call/contacts/staff/${site.staffId}`, admin, { destinations }))
      .status,
  ).toBe(200);
};

/**
 * Levels 1-3 of a site on call all day, each one person (`<site>-level-<n>`) on a webhook of the receiver that answers
 * 503, as when every on-call webhook is down (the fault that raised 6,158 alerts in 15 minutes); the site's fallback
 * on the destinations given. Returns the answer to setting the fallback.
 */
export const siteWithEveryWebhookDown = async (
  service: NotificationUnderTest,
  receiver: Receiver,
  admin: Record<string, string>,
  site: { readonly siteId: string; readonly secret: string; readonly fallback: readonly Record<string, unknown>[] },
) => {
  for (const level of [1, 2, 3]) {
    const staffId = `${site.siteId.toLowerCase()}-level-${level}`;
    const rotation = allDayRotation(site.siteId, level, [staffId]);
    expect(
      (await sendJson('PUT', `${service.baseUrl}/v1/on-call/rotations/${randomUUID()}`, admin, rotation)).status,
    ).toBe(200);
    receiver.failing.add(`/${staffId}`);
    expect(
      (
        await sendJson('PUT', `${service.baseUrl}/v1/on-call/contacts/staff/${staffId}`, admin, {
          destinations: [{ channel: 'webhook', url: receiver.url(`/${staffId}`), secrets: [site.secret] }],
        })
      ).status,
    ).toBe(200);
  }
  const fallback = await sendJson(
    'PUT',
    `${service.baseUrl}/v1/on-call/contacts/sites/${site.siteId}/fallback`,
    admin,
    {
      destinations: site.fallback,
    },
  );
  expect(fallback.status).toBe(200);
  return fallback;
};
