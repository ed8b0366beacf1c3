import { readFileSync } from 'node:fs';
import type { Jieba } from '@node-rs/jieba';
import MiniSearch from 'minisearch';
import { KnowledgeBaseAnswer } from './knowledge-base';

// ── Words ────────────────────────────────────────────────────────────────────────────────────────────────────
// Chinese has no spaces: jieba segments it (物业费怎么交 → 物业费 / 怎么 / 交). Answers are indexed in search mode,
// which adds the shorter words inside long ones (停车场 → 停车, 车场, 停车场), so a resident's 停车 finds the
// answer that says 停车场; a question is cut in precise mode, one word per word, so each word it has counts once.
// A question is cut without jieba's HMM guesses for words its dictionary lacks (物业费在哪交 → 物业费/在/哪/交, not
// 哪交): an unknown word falls apart into characters, each counted, which can only make a match less confident.
// English is split on letters and digits, lower-cased, and plurals folded (fees → fee).

let segmenter: Jieba | undefined;
/**
 * Loaded and built on first use, from jieba's dictionary file read then and let go: the dictionary takes a moment,
 * and @node-rs/jieba/dict would read 11 MB (the dictionary and an IDF table we do not use) the moment it is imported
 * and hold them for good, which an intake that is never asked a question should not (issue 15: 200 MB RSS).
 */
const jieba = (): Jieba => {
  if (segmenter) return segmenter;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Jieba } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
  return (segmenter = Jieba.withDict(readFileSync(require.resolve('@node-rs/jieba/dict.txt'))));
};

/**
 * Words that say nothing about what is asked: how a question is put (怎么, 请问, how, can), pronouns, particles, and
 * words every question at a residential site has (小区, 物业 on its own).
 */
const STOP_WORDS = new Set([
  ...[
    '的',
    '了',
    '吗',
    '呢',
    '吧',
    '啊',
    '呀',
    '哦',
    '嘛',
    '么',
    '是',
    '在',
    '有',
    '和',
    '与',
    '或',
    '也',
    '都',
    '就',
    '还',
  ],
  ...[
    '我',
    '你',
    '您',
    '他',
    '她',
    '它',
    '我们',
    '你们',
    '我家',
    '家里',
    '自己',
    '这',
    '那',
    '这个',
    '那个',
    '哪',
    '哪个',
  ],
  ...['怎么', '怎么样', '怎样', '怎么办', '如何', '什么', '啥', '哪里', '哪儿', '为什么', '为啥', '多少', '几', '吗'],
  ...['不', '没', '很', '太', '又', '再', '啦', '嗯', '吧'],
  ...['请问', '请', '问', '一下', '想', '想要', '要', '需要', '可以', '能', '能不能', '可不可以', '会', '应该', '是否'],
  ...['你好', '您好', '谢谢', '麻烦', '小区', '物业', '现在', '一个', '有没有', '是不是', '知道', '告诉', '办'],
  ...['a', 'an', 'the', 'i', 'me', 'my', 'we', 'our', 'you', 'your', 'it', 'is', 'are', 'am', 'be', 'do', 'does'],
  ...['how', 'what', 'when', 'where', 'why', 'which', 'who', 'can', 'could', 'may', 'should', 'would', 'will'],
  ...['to', 'of', 'for', 'in', 'on', 'at', 'by', 'with', 'from', 'about', 'and', 'or', 'there', 'this', 'that'],
  ...['please', 'hello', 'hi', 'thanks', 'want', 'know', 'tell', 'need', 'get', 'any', 'some', 'much', 'many'],
]);

const RUNS = /\p{Script=Han}+|[a-z0-9]+/gu;

const foldEnglish = (word: string): string => {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
};

const words = (text: string, mode: 'index' | 'query'): string[] => {
  const out: string[] = [];
  for (const [run] of text.normalize('NFKC').toLowerCase().matchAll(RUNS)) {
    if (/^[a-z0-9]/.test(run)) out.push(foldEnglish(run));
    else out.push(...(mode === 'index' ? jieba().cutForSearch(run, true) : jieba().cut(run, false)));
  }
  return out.filter((w) => w.trim().length > 0 && !STOP_WORDS.has(w));
};

/** The words of an answer's questions and keywords, as they are indexed. */
export const indexWords = (text: string): string[] => words(text, 'index');
/** The distinct words of a resident's question that could say what it is about. */
export const questionWords = (text: string): string[] => [...new Set(words(text, 'query'))];

// ── Ranking ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * How much of a question an answer must cover to be given without a person: the share of the question's words
 * (stop words left out) that the answer's questions or keywords contain. 0.6 answers 物业费怎么交 (物业费, 交: both)
 * and 请问访客车辆停在哪里 (访客, 车辆, 停: all three), and leaves 卫生间漏水 (no word of any answer) and
 * 我家卫生间漏水物业费怎么交 (two words of five) to a person. Tested on the question set in
 * answer-ranking.unit.spec.ts; ADR 0029 says why coverage and not the search score.
 */
export const DEFAULT_MIN_CONFIDENCE = 0.6;

export interface RankedAnswer {
  readonly answer: KnowledgeBaseAnswer;
  /** The share of the question's words the answer covers, 0 to 1, four decimals. */
  readonly confidence: number;
  /** The question's words the answer covers. */
  readonly matched: readonly string[];
}

interface IndexedAnswer {
  readonly id: string;
  readonly questions: string;
  readonly keywords: string;
}

/** How many of the search's best answers are weighed for coverage. */
const CANDIDATES = 5;

/**
 * One site's answers, searchable: MiniSearch (BM25) finds the candidates, with jieba's words as its tokens; each
 * candidate is then judged by how much of the question it covers, and the best covered one is the answer.
 */
export class AnswerIndex {
  private readonly search: MiniSearch<IndexedAnswer>;
  private readonly byId = new Map<string, KnowledgeBaseAnswer>();

  constructor(answers: readonly KnowledgeBaseAnswer[]) {
    this.search = new MiniSearch<IndexedAnswer>({
      fields: ['questions', 'keywords'],
      tokenize: indexWords,
      // Words are already normalised; MiniSearch's default would lower-case them again.
      processTerm: (term) => term,
      searchOptions: { boost: { keywords: 1.5 }, combineWith: 'OR', tokenize: questionWords, processTerm: (t) => t },
    });
    const documents = answers.map((answer, i) => {
      const id = `${i}`;
      this.byId.set(id, answer);
      const { questions, keywords } = answer.content;
      return { id, questions: [...questions.zh, ...questions.en].join('\n'), keywords: keywords.join('\n') };
    });
    this.search.addAll(documents);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The answer that covers the most of the question (the search score breaking ties), or undefined when none matches. */
  best(question: string): RankedAnswer | undefined {
    const asked = questionWords(question);
    if (asked.length === 0) return undefined;
    const ranked = this.search
      .search(question)
      .slice(0, CANDIDATES)
      .map((result) => {
        const matched = asked.filter((w) => result.queryTerms.includes(w));
        return { result, matched, confidence: Math.round((matched.length / asked.length) * 10_000) / 10_000 };
      })
      .sort((a, b) => b.confidence - a.confidence || b.result.score - a.result.score);
    const top = ranked[0];
    if (!top) return undefined;
    return {
      answer: this.byId.get(String(top.result.id)) as KnowledgeBaseAnswer,
      confidence: top.confidence,
      matched: top.matched,
    };
  }
}
