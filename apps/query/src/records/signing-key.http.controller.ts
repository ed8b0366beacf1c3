import { Controller, Get, Inject } from '@nestjs/common';
import type { RecordSigningKey } from '@closeloop/auth';
import { Access } from '@closeloop/http';
import { RECORD_SIGNING_KEY } from '../query.config';

/** The public half of the key that signs order records, as a JWKS, for anyone checking a record without Closeloop. */
@Controller('.well-known')
@Access({ public: true })
export class SigningKeyHttpController {
  constructor(@Inject(RECORD_SIGNING_KEY) private readonly key: RecordSigningKey) {}

  @Get('closeloop-signing-key')
  signingKey() {
    return { keys: [this.key.publicJwk] };
  }
}
