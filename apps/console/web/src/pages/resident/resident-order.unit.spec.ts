import { formatWhen, stepWords, tokenFromPath, type ResidentStep } from './resident-order';

const t = (key: string) => `«${key}»`;

describe('the resident page’s words for each step', () => {
  it('names the technician by given name and team when assigned and on the way', () => {
    const step: ResidentStep = {
      step: 'acknowledged',
      at: '2026-11-23T01:05:00.000Z',
      technician: { givenName: 'Wei', team: 's1-plumbing' },
    };
    expect(stepWords(step, t)).toEqual({ key: 'step.acknowledged', values: { name: 'Wei', team: 's1-plumbing' } });
  });

  it('says why work is on hold, in the page’s words for the reason', () => {
    expect(stepWords({ step: 'on-hold', at: '2026-11-23T02:00:00.000Z', reason: 'waiting-on-parts' }, t)).toEqual({
      key: 'step.on-hold',
      values: { reason: '«holdReason.waiting-on-parts»' },
    });
  });

  it('tells a rated confirmation, an unrated one and a close after the callback period apart', () => {
    const at = '2026-11-24T02:00:00.000Z';
    expect(stepWords({ step: 'closed', at, outcome: 'confirmed', rating: 4 }, t)).toEqual({
      key: 'step.closedRated',
      values: { rating: 4 },
    });
    expect(stepWords({ step: 'closed', at, outcome: 'confirmed' }, t).key).toBe('step.closedConfirmed');
    expect(stepWords({ step: 'closed', at, outcome: 'closed-without-confirmation' }, t).key).toBe(
      'step.closedUnconfirmed',
    );
  });

  it('says who reopened the order, and what the resident added', () => {
    const at = '2026-11-24T02:00:00.000Z';
    expect(stepWords({ step: 'reopened', at, by: 'resident' }, t).key).toBe('step.reopenedByResident');
    expect(stepWords({ step: 'reopened', at, by: 'staff' }, t).key).toBe('step.reopened');
    expect(stepWords({ step: 'note', at, note: 'Home after 18:00', photoRefs: [] }, t)).toEqual({
      key: 'step.note',
      values: { note: 'Home after 18:00', photos: 0 },
    });
    expect(stepWords({ step: 'note', at, photoRefs: ['a.jpg', 'b.jpg'] }, t)).toEqual({
      key: 'step.photosOnly',
      values: { note: '', photos: 2 },
    });
  });
});

describe('tokenFromPath', () => {
  it('takes the token from /r/<token>, and nothing from any other path', () => {
    expect(tokenFromPath('/r/q3Jb4c7VQm0k9z1X2yWvU8tS6rP5oN4mL3kJ2iH1gF0')).toBe(
      'q3Jb4c7VQm0k9z1X2yWvU8tS6rP5oN4mL3kJ2iH1gF0',
    );
    expect(tokenFromPath('/r/abc/')).toBe('abc');
    expect(tokenFromPath('/r/')).toBe('');
    expect(tokenFromPath('/board')).toBe('');
  });
});

describe('formatWhen', () => {
  it('writes an instant in the site’s zone', () => {
    expect(formatWhen('2026-11-23T01:05:00.000Z', 'en-GB', 'Asia/Shanghai')).toBe('23 Nov, 09:05');
  });
});
