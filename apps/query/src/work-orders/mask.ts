/** Supervisors see enough of a resident's number to recognise it, never all of it: 138****5678. */
export const maskPhone = (phone: string | null | undefined): string | null => {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 0) return null;
  if (digits.length <= 4) return '*'.repeat(digits.length);
  const keep = Math.min(3, Math.max(0, digits.length - 8));
  return `${digits.slice(0, keep)}${'*'.repeat(digits.length - keep - 4)}${digits.slice(-4)}`;
};
