import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  carriesAttributeHeaders,
  CloseloopError,
  CloudEventBindings,
  CloudEventContentTypes,
  FieldIssue,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@closeloop/contracts';
import { Access, Principal, principalOf } from '@closeloop/http';
import type { Request } from 'express';
import {
  IntakeRequest,
  intakeRequestFromCloudEvent,
  parseBinaryEnvelope,
  parseEnvelope,
} from './cloud-event-submission';
import { IntakeRequestsHandler } from './intake-requests.handler';

const MAX_BATCH = 100;

@Controller('v1/events')
@Access({ integrator: true })
export class CloudEventsHttpController {
  constructor(private readonly requests: IntakeRequestsHandler) {}

  /**
   * CloudEvents over HTTP, in binary, structured or batch mode. A batch is validated whole before anything is
   * written: one bad event rejects the batch with every problem named, so a sender never has to guess what was taken.
   */
  private async handleOne(item: IntakeRequest, caller: Principal) {
    try {
      return { outcome: 'accepted', ...(await this.requests.handle(item, caller)) };
    } catch (error) {
      if (!(error instanceof CloseloopError) || error.kind === 'concurrency') throw error;
      return { id: item.eventId, outcome: 'rejected', problem: problemOf(error) };
    }
  }

  @Post()
  @HttpCode(202)
  async receive(@Req() request: Request, @Body() body: unknown) {
    const caller = principalOf(request);
    const structured = request.is(CloudEventContentTypes.structured);
    const batch = request.is(CloudEventContentTypes.batch);
    if ((structured || batch) && carriesAttributeHeaders(CloudEventBindings.http, request.headers))
      throw mixedModes(request);
    if (batch) {
      if (!Array.isArray(body))
        throw new ValidationError('A batch must be a JSON array of CloudEvents', [
          { path: '(body)', message: 'expected an array' },
        ]);
      if (body.length === 0 || body.length > MAX_BATCH) {
        throw new ValidationError(`A batch holds 1 to ${MAX_BATCH} events`, [
          { path: '(body)', message: `has ${body.length} events` },
        ]);
      }
      const requests = validateAll(body);
      const results = [];
      // Each event is its own unit of work: one the state refuses (an unknown number, a closed order) is
      // reported in its place, and the events before it stay recorded, as their results say.
      for (const item of requests) results.push(await this.handleOne(item, caller));
      return { results };
    }
    if (structured) return this.requests.handle(intakeRequestFromCloudEvent(parseEnvelope(body)), caller);
    // Anything else is binary mode (HTTP binding 3.1): the attributes are headers and the body is the data, which
    // for our event types is JSON. `is` answers null for a request without a body: an event without data.
    const json = request.is('application/json');
    if (json === false)
      throw new UnsupportedMediaTypeError(request.header('content-type'), [
        CloudEventContentTypes.structured,
        CloudEventContentTypes.batch,
        'application/json',
      ]);
    const event = parseBinaryEnvelope(request.headers, json ? body : undefined);
    return this.requests.handle(intakeRequestFromCloudEvent(event), caller);
  }
}

/** One request, two content modes: which attributes count would be a guess, so neither is taken. */
const mixedModes = (request: Request) =>
  new CloseloopError(
    'malformed-request',
    'MIXED_CONTENT_MODES',
    `A ${request.header('content-type')} body is a whole CloudEvent (structured or batch mode); ce- headers belong to binary mode, whose body is only the data. Send one or the other.`,
    {
      headers: Object.keys(request.headers).filter((name) => name.startsWith(CloudEventBindings.http.prefix)),
    },
  );

const problemOf = (error: CloseloopError) => ({ code: error.code, detail: error.message, ...error.details });

const validateAll = (events: unknown[]): IntakeRequest[] => {
  const issues: FieldIssue[] = [];
  const requests: IntakeRequest[] = [];
  events.forEach((event, index) => {
    try {
      requests.push(intakeRequestFromCloudEvent(parseEnvelope(event, `[${index}].`), `[${index}].`));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  });
  if (issues.length > 0) throw new ValidationError('Some events in the batch are not valid; none was accepted', issues);
  return requests;
};
