import { StaffMemberRef, StaffMemberSchema, ValidationError } from '@closeloop/contracts';
import type { Request } from 'express';

/** The acting staff member of a request. */
export const staffOf = (request: Request): StaffMemberRef => {
  const parsed = StaffMemberSchema.safeParse({ staffId: request.header('x-staff-id'), name: request.header('x-staff-name') ?? request.header('x-staff-id') });
  if (!parsed.success) throw new ValidationError('The acting staff member is not named', [{ path: 'header:X-Staff-Id', message: 'is required' }]);
  return parsed.data;
};
