import { Controller, Get, Inject } from '@nestjs/common';
import { Access } from '@closeloop/http';
import { CONSOLE_CONFIG, ConsoleConfig } from './console-config';

/** What the browser application needs to know before anyone signs in. */
@Controller('config.json')
@Access({ public: true })
export class ConsoleSettingsHttpController {
  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  @Get()
  settings() {
    return { issuer: this.config.STAFF_TOKEN_ISSUER, audience: this.config.STAFF_TOKEN_AUDIENCE };
  }
}
