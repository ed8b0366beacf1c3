import { maskPhone } from './mask';

describe('maskPhone', () => {
  it('shows the first three and last four digits of a mainland mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('drops spaces, dashes and the + before masking', () => {
    expect(maskPhone('138 1234 5678')).toBe('138****5678');
    expect(maskPhone('138-1234-5678')).toBe('138****5678');
    expect(maskPhone('+86 138 1234 5678')).toBe('861******5678');
  });

  it('keeps only the last four digits of an eight-digit landline', () => {
    expect(maskPhone('87654321')).toBe('****4321');
    expect(maskPhone('0591-87654321')).toBe('059*****4321');
  });

  it('always hides at least four digits of numbers of eight digits or more', () => {
    for (const phone of ['12345678', '123456789', '1234567890', '13812345678', '8613812345678']) {
      const masked = maskPhone(phone) ?? '';
      expect(masked).toHaveLength(phone.length);
      expect((masked.match(/\*/g) ?? []).length).toBeGreaterThanOrEqual(4);
      expect(masked.slice(-4)).toBe(phone.slice(-4));
    }
  });

  it('shows only the last four digits of a short number', () => {
    expect(maskPhone('12345')).toBe('*2345');
    expect(maskPhone('9612345')).toBe('***2345');
  });

  it('masks every digit of a number of four digits or fewer', () => {
    expect(maskPhone('9610')).toBe('****');
    expect(maskPhone('110')).toBe('***');
  });

  it('gives null when there is no phone', () => {
    expect(maskPhone(null)).toBeNull();
    expect(maskPhone(undefined)).toBeNull();
    expect(maskPhone('')).toBeNull();
  });
});
