import { CloseloopError, FieldIssue, ValidationError } from '@closeloop/contracts';
import {
  hostOfUrl,
  OutboundAddressPolicy,
  OutboundAddressRefusedError,
  OutboundHostUnresolvedError,
} from './outbound-addresses';

/** Why a URL given to us (a contact's webhook, an integrator's subscription) may not be sent to. */
export interface TargetRefusal {
  readonly kind: 'not-public' | 'unresolvable';
  readonly issue: FieldIssue;
}

/**
 * The outbound address rule at the door (docs/adr/0017, "Outbound addresses"): resolves the URL's host and answers
 * why it is refused — it is, or resolves to, a loopback, private, link-local or metadata address; or it does not
 * exist — or undefined. A lookup that may pass later is a 503 DNS_UNAVAILABLE. Delivery checks again as it connects.
 */
export const refusalOfTarget = async (
  addresses: OutboundAddressPolicy,
  url: string,
  path: string,
  sentWhat: string,
): Promise<TargetRefusal | undefined> => {
  try {
    await addresses.check(hostOfUrl(new URL(url)));
    return undefined;
  } catch (error) {
    if (error instanceof OutboundAddressRefusedError)
      return {
        kind: 'not-public',
        issue: {
          path,
          message: `${error.host} is or resolves to a ${error.reason} address; ${sentWhat} go to public addresses only`,
        },
      };
    if (error instanceof OutboundHostUnresolvedError && error.permanent)
      return { kind: 'unresolvable', issue: { path, message: `${error.host} does not resolve (${error.code})` } };
    if (error instanceof OutboundHostUnresolvedError)
      throw new CloseloopError(
        'unavailable',
        'DNS_UNAVAILABLE',
        `${error.host} cannot be resolved now (${error.code}); try again`,
      );
    throw error;
  }
};

/** The 422 for what refusalOfTarget found: DESTINATION_ADDRESS_NOT_ALLOWED before DESTINATION_HOST_UNRESOLVABLE. */
export const assertNoTargetRefused = (refusals: readonly (TargetRefusal | undefined)[]): void => {
  const found = refusals.filter((r): r is TargetRefusal => r !== undefined);
  if (found.some((r) => r.kind === 'not-public'))
    throw new ValidationError(
      'A destination is not a public address',
      found.map((r) => r.issue),
      'DESTINATION_ADDRESS_NOT_ALLOWED',
    );
  if (found.length > 0)
    throw new ValidationError(
      "A destination's host does not resolve",
      found.map((r) => r.issue),
      'DESTINATION_HOST_UNRESOLVABLE',
    );
};
