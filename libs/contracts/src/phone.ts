/**
 * A phone number with only its last four digits kept: a mainland mobile keeps its 3-digit carrier prefix as well,
 * the way Chinese apps show it ("138****5678"); any other number becomes "****5678".
 */
export const maskPhone = (phone: string): string => {
  const digits = phone.replace(/\D/g, '');
  // A mainland mobile is 1[3-9] and nine more digits, written bare or after +86 / 0086. Another country's number
  // (+1 312 555 0199 has the same digit count) is only recognised by its prefix, so anything international that
  // is not +86 is treated as any other number.
  const international = /^\s*(?:\+|00)/.test(phone);
  const mobile = international ? /^(?:00)?86(1[3-9]\d{9})$/.exec(digits)?.[1] : /^1[3-9]\d{9}$/.exec(digits)?.[0];
  if (mobile) return `${mobile.slice(0, 3)}****${mobile.slice(-4)}`;
  // Four digits or fewer would be shown whole; nothing of them is kept.
  if (digits.length <= 4) return '****';
  return `****${digits.slice(-4)}`;
};
