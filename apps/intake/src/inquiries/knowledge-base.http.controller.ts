import { Body, Controller, Delete, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from '@closeloop/contracts';
import { Access, ensureSiteAllowed, principalOf, staffMemberOf } from '@closeloop/http';
import { Clock } from '@closeloop/runtime';
import type { Request } from 'express';
import { z } from 'zod';
import { issuesOf } from '../submit-report/report-input';
import { AnswerContentSchema, AnswerIdSchema, AnswerSiteSchema, KnowledgeBaseAnswer } from './knowledge-base';
import { KnowledgeBaseRepository } from './knowledge-base.repository';

const parsePath = <S extends z.ZodTypeAny>(schema: S, value: unknown, name: string): z.infer<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError('The path is not valid', issuesOf(parsed.error, `path:${name}`));
  return parsed.data;
};

/** The site in the path (`*` for the answers of every site), once the caller may manage it. */
const siteAsked = (request: Request, siteId: string): string => {
  const site = parsePath(AnswerSiteSchema, siteId, 'siteId');
  // `*` is every site's, so only an admin of every site changes it.
  ensureSiteAllowed(principalOf(request), site);
  return site;
};

const shown = (answer: KnowledgeBaseAnswer) => ({
  siteId: answer.siteId,
  answerId: answer.answerId,
  version: answer.version,
  ...answer.content,
  updatedAt: answer.updatedAt.toISOString(),
  updatedBy: answer.updatedBy,
});

/**
 * A site's knowledge base, for its admins: the answers residents' questions get (seeded from
 * config/knowledge-base.json), each replaced whole or deleted; every change gets a version and is kept in the change
 * log with who made it.
 */
@Controller('v1/knowledge-base/sites/:siteId/answers')
@Access({ staff: ['admin'] })
export class KnowledgeBaseHttpController {
  constructor(
    private readonly answers: KnowledgeBaseRepository,
    private readonly clock: Clock,
  ) {}

  /** A site's answers as its residents get them (its own, and every site's that it does not replace); `*`: every site's. */
  @Get()
  async list(@Param('siteId') siteId: string, @Req() request: Request) {
    const site = siteAsked(request, siteId);
    const answers = site === '*' ? await this.answers.answersOf(site) : await this.answers.answersFor(site);
    return { siteId: site, answers: answers.map(shown) };
  }

  @Put(':answerId')
  async put(
    @Param('siteId') siteId: string,
    @Param('answerId') answerId: string,
    @Body() body: unknown,
    @Req() request: Request,
  ) {
    if (!request.is('application/json'))
      throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
    const site = siteAsked(request, siteId);
    const id = parsePath(AnswerIdSchema, answerId, 'answerId');
    const parsed = AnswerContentSchema.safeParse(body);
    if (!parsed.success) throw new ValidationError('The answer is not valid', issuesOf(parsed.error));
    const by = staffMemberOf(principalOf(request)).staffId;
    const version = await this.answers.put(site, id, parsed.data, by, this.clock.now());
    return { siteId: site, answerId: id, version };
  }

  @Delete(':answerId')
  @HttpCode(204)
  async delete(@Param('siteId') siteId: string, @Param('answerId') answerId: string, @Req() request: Request) {
    const site = siteAsked(request, siteId);
    const id = parsePath(AnswerIdSchema, answerId, 'answerId');
    const by = staffMemberOf(principalOf(request)).staffId;
    if (!(await this.answers.delete(site, id, by, this.clock.now()))) throw new NotFoundError('Answer', id);
  }

  /** Every version of an answer, with who changed it and when; a deleted answer's history too. */
  @Get(':answerId/history')
  async history(@Param('siteId') siteId: string, @Param('answerId') answerId: string, @Req() request: Request) {
    const site = siteAsked(request, siteId);
    const id = parsePath(AnswerIdSchema, answerId, 'answerId');
    const changes = await this.answers.history(site, id);
    if (changes.length === 0) throw new NotFoundError('Answer', id);
    return {
      siteId: site,
      answerId: id,
      changes: changes.map((c) => ({ ...c, changedAt: c.changedAt.toISOString() })),
    };
  }
}
