import { itMaps } from '@closeloop/testing';
import { maskPhone } from './phone';

describe('maskPhone', () => {
  itMaps('%p is %p', maskPhone, [
    ['13812345678', '138****5678'],
    ['138 1234 5678', '138****5678'],
    ['138-1234-5678', '138****5678'],
    ['+86 138 1234 5678', '138****5678'],
    ['0086-138-1234-5678', '138****5678'],
    ['87654321', '****4321'],
    ['0591-87654321', '****4321'],
    ['021-6123 4567', '****4567'],
    ['+1 (212) 555-0199', '****0199'],
    ['+1 312 555 0199', '****0199'],
    ['12125550199', '****0199'],
    ['12345', '****2345'],
    ['1234', '****'],
    ['110', '****'],
    ['', '****'],
  ]);

  it('never shows more than a mobile prefix and the last four digits, nor how long the number is', () => {
    for (const phone of ['12345678', '123456789', '1234567890', '8613812345678', '+8613812345678']) {
      const masked = maskPhone(phone);
      expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(7);
      expect(masked.slice(-4)).toBe(phone.slice(-4));
    }
  });
});
