import { Controller, Get, Inject } from '@nestjs/common';
import { Access } from '@closeloop/http';
import { CONSOLE_CONFIG, ConsoleConfig } from './console-config';

/** The OIDC client the browser runs (oidc-client-ts): the IdP is the issuer of staff tokens, found by discovery. */
export interface OidcClientSettings {
  readonly authority: string;
  readonly clientId: string;
  readonly scope: string;
  readonly providerName?: string;
}

export interface ConsoleSettings {
  readonly issuer: string;
  readonly audience: string;
  /** Whether POST /auth/local/exchange takes sign-in codes (the local stack only). */
  readonly localSignIn: boolean;
  readonly oidc?: OidcClientSettings;
}

export const consoleSettingsOf = (config: ConsoleConfig): ConsoleSettings => ({
  issuer: config.STAFF_TOKEN_ISSUER,
  audience: config.STAFF_TOKEN_AUDIENCE,
  localSignIn: config.CONSOLE_LOCAL_SIGNING_KEY_DIR !== undefined,
  ...(config.CONSOLE_OIDC_CLIENT_ID === undefined
    ? {}
    : {
        oidc: {
          authority: config.STAFF_TOKEN_ISSUER,
          clientId: config.CONSOLE_OIDC_CLIENT_ID,
          scope: config.CONSOLE_OIDC_SCOPE,
          ...(config.CONSOLE_OIDC_PROVIDER_NAME === undefined
            ? {}
            : { providerName: config.CONSOLE_OIDC_PROVIDER_NAME }),
        },
      }),
});

/** What the browser application needs to know before anyone signs in. */
@Controller('config.json')
@Access({ public: true })
export class ConsoleSettingsHttpController {
  constructor(@Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig) {}

  @Get()
  settings(): ConsoleSettings {
    return consoleSettingsOf(this.config);
  }
}
