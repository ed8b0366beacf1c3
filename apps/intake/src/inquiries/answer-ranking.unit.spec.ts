import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnswerIndex, DEFAULT_MIN_CONFIDENCE, questionWords } from './answer-ranking';
import { answerHoldsOn, KnowledgeBaseFileSchema, KnowledgeBaseAnswer } from './knowledge-base';

/** The repository's own knowledge base, as S1 has it on a day inside its water-cut notice (2026-12-08). */
const seed = KnowledgeBaseFileSchema.parse(
  JSON.parse(readFileSync(join(__dirname, '../../../../config/knowledge-base.json'), 'utf8')),
);
const answersOf = (siteId: string, localDate: string): KnowledgeBaseAnswer[] =>
  seed
    .filter((a) => (a.siteId === siteId || a.siteId === '*') && answerHoldsOn(a.content, localDate))
    .map((a) => ({ ...a, version: 1, updatedAt: new Date('2026-12-01T00:00:00Z'), updatedBy: 'seed' }));

const s1 = new AnswerIndex(answersOf('S1', '2026-12-08'));
const deflected = (index: AnswerIndex, question: string) => {
  const best = index.best(question);
  return best !== undefined && best.confidence >= DEFAULT_MIN_CONFIDENCE ? best.answer.answerId : undefined;
};

describe('self-service answers: which questions the knowledge base answers on its own', () => {
  it.each([
    ['物业费怎么交？', 'fees-how-to-pay'],
    ['物业费在哪交', 'fees-how-to-pay'],
    ['请问物业费可以用微信支付吗', 'fees-how-to-pay'],
    ['物业费多少钱一平米', 'fees-rates'],
    ['请问访客车辆停在哪里', 'parking-visitors-and-monthly'],
    ['停车月卡怎么办', 'parking-visitors-and-monthly'],
    ['物业几点上班', 'office-opening-hours'],
    ['周末物业办公室开门吗', 'office-opening-hours'],
    ['装修要办什么手续', 'renovation-permit'],
    ['装修押金多少', 'renovation-permit'],
    ['为什么停水了', 'water-cut-notice-s1-2026-12'],
    ['明天停水吗', 'water-cut-notice-s1-2026-12'],
    ['可以养狗吗', 'pets-rules'],
    ['大件垃圾怎么扔', 'waste-sorting'],
    ['门禁卡丢了怎么办', 'access-card'],
    ['How do I pay the property fee?', 'fees-how-to-pay'],
    ['When is the management office open?', 'office-opening-hours'],
    ['Can I keep a dog?', 'pets-rules'],
    ['How do I sort my rubbish?', 'waste-sorting'],
    ['Where can my visitors park?', 'parking-visitors-and-monthly'],
    ['I lost my access card', 'access-card'],
  ])('answers %s with %s', (question, answerId) => {
    expect(deflected(s1, question)).toBe(answerId);
  });

  // Repairs, complaints and mixed messages go to a person: a confident answer to them would lose a work order.
  it.each([
    '卫生间漏水',
    '卫生间漏水了怎么办',
    '水管漏水',
    '厨房水管爆了',
    '家里没水了',
    '楼道灯不亮',
    '电梯坏了',
    '电梯困人',
    '空调不制冷',
    '下水道堵了',
    '窗户玻璃碎了',
    '楼上装修太吵了',
    '隔壁狗一直叫',
    '垃圾桶满了没人清',
    '门禁坏了刷不开',
    '停车场有人占我车位',
    '我家卫生间漏水，物业费怎么交',
    'My toilet is leaking',
    'The lift is broken',
    'There is water coming through the ceiling',
    'Noise from the renovation upstairs',
    '你好',
    '？？',
  ])('leaves %s to a person', (question) => {
    expect(deflected(s1, question)).toBeUndefined();
  });

  it('answers a notice only within its days, and only at its site', () => {
    expect(deflected(new AnswerIndex(answersOf('S1', '2026-12-11')), '为什么停水了')).toBeUndefined();
    expect(deflected(new AnswerIndex(answersOf('S2', '2026-12-08')), '为什么停水了')).toBeUndefined();
    expect(deflected(new AnswerIndex(answersOf('S2', '2026-12-10')), '为什么停电了')).toBe(
      'power-cut-notice-s2-2026-12',
    );
    expect(deflected(new AnswerIndex(answersOf('S2', '2026-12-10')), '物业费多少钱一平米')).not.toBe('fees-rates');
  });

  it('says how much of the question the answer covers', () => {
    const best = s1.best('我家卫生间漏水物业费怎么交');
    expect(best).toMatchObject({ confidence: 0.5, matched: ['物业费', '交'] });
    expect(s1.best('How do I pay the property fee?')).toMatchObject({ confidence: 1 });
  });

  it('cuts Chinese into words with jieba and English into folded words, leaving out how a question is put', () => {
    expect(questionWords('请问物业费怎么交？')).toEqual(['物业费', '交']);
    expect(questionWords('How do I pay the FEES?')).toEqual(['pay', 'fee']);
    expect(questionWords('Ｐａｒｋｉｎｇ　停车场')).toEqual(['parking', '停车场']);
  });

  it('answers nothing from an empty knowledge base', () => {
    expect(new AnswerIndex([]).best('物业费怎么交')).toBeUndefined();
  });
});
