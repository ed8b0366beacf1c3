import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@closeloop/runtime';
import { INTAKE_CONFIG, IntakeConfig } from '../intake.config';
import { SiteCalendar } from '../site-calendar';
import { AnswerIndex, RankedAnswer } from './answer-ranking';
import { answerHoldsOn, SeedAnswer } from './knowledge-base';
import { KnowledgeBaseRepository } from './knowledge-base.repository';

/** The answers config/knowledge-base.json seeds the knowledge base with (KNOWLEDGE_BASE_FILE). */
export const KNOWLEDGE_BASE_SEED = Symbol('KnowledgeBaseSeed');

/** Indexes kept at most: a deployment's sites, with room; past it the least recently built one goes. */
const MAX_CACHED_SITES = 500;

interface CachedIndex {
  readonly revision: string;
  readonly localDate: string;
  readonly index: AnswerIndex;
}

/**
 * A site's answers, searchable. An index is built once per site and kept while the knowledge base has not changed
 * (the change log's last id, one cheap query per inquiry, so every intake instance sees an admin's change at once)
 * and the site's day is the same (a notice answers only within its days).
 */
@Injectable()
export class KnowledgeBase implements OnApplicationBootstrap {
  private readonly log = new Logger('KnowledgeBase');
  private readonly indexes = new Map<string, CachedIndex>();

  constructor(
    private readonly answers: KnowledgeBaseRepository,
    @Inject(KNOWLEDGE_BASE_SEED) private readonly seedAnswers: readonly SeedAnswer[],
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
    private readonly clock: Clock,
    private readonly calendar: SiteCalendar,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const seeded = await this.answers.seed(this.seedAnswers, this.clock.now());
    if (seeded > 0) this.log.log(`seeded ${seeded} knowledge-base answers from ${this.config.KNOWLEDGE_BASE_FILE}`);
  }

  /** The site's best answer to a question, confident or not; undefined when no answer shares a word with it. */
  async best(siteId: string, question: string): Promise<RankedAnswer | undefined> {
    return (await this.indexFor(siteId)).best(question);
  }

  private async indexFor(siteId: string): Promise<AnswerIndex> {
    const revision = await this.answers.revisionFor(siteId);
    const localDate = this.calendar.dateAt(this.clock.now());
    const cached = this.indexes.get(siteId);
    if (cached && cached.revision === revision && cached.localDate === localDate) return cached.index;
    const holding = (await this.answers.answersFor(siteId)).filter((a) => answerHoldsOn(a.content, localDate));
    const index = new AnswerIndex(holding);
    this.indexes.delete(siteId);
    this.indexes.set(siteId, { revision, localDate, index });
    if (this.indexes.size > MAX_CACHED_SITES) this.indexes.delete(this.indexes.keys().next().value as string);
    return index;
  }
}
