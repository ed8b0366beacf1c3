import { StaffRole } from '@closeloop/auth';
import { attachPrincipal } from '@closeloop/http';
import type { Request } from 'express';

/**
 * A request as the access guard leaves it for a member of staff with these roles at these sites (S1 unless told),
 * for specs that call the query service's controllers directly. `request` is the bare request to sign in, where a
 * spec needs one that negotiates content.
 */
export const staffRequest = (roles: StaffRole[], sites: string[] = ['S1'], request = {} as Request): Request => {
  attachPrincipal(request, { kind: 'staff', staffId: `s1-${roles[0]}`, name: 'Test', roles, sites });
  return request;
};
