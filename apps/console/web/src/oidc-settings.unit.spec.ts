import { signInSettingsOf } from './oidc-settings';

describe('the sign-in settings of /config.json', () => {
  it('offers the identity provider when the server names its authority and the console’s client', () => {
    const oidc = {
      authority: 'https://sso.example.com/realms/closeloop',
      clientId: 'closeloop-console',
      scope: 'openid profile',
      providerName: '集团统一认证',
    };
    const json = { issuer: oidc.authority, audience: 'closeloop', localSignIn: false, oidc };
    expect(signInSettingsOf(json)).toEqual({ localSignIn: false, oidc });
  });

  it('always asks for openid, once', () => {
    const settings = signInSettingsOf({
      oidc: { authority: 'http://127.0.0.1:4000', clientId: 'c', scope: 'profile' },
    });
    expect(settings.oidc?.scope).toBe('openid profile');
    expect(signInSettingsOf({ oidc: { authority: 'http://h', clientId: 'c' } }).oidc?.scope).toBe('openid');
    expect(signInSettingsOf({ oidc: { authority: 'http://h', clientId: 'c', scope: 'openid  x' } }).oidc?.scope).toBe(
      'openid x',
    );
  });

  it.each([
    ['no oidc block', { localSignIn: true }],
    ['no client id', { oidc: { authority: 'https://sso.example.com', scope: 'openid' } }],
    ['a blank client id', { oidc: { authority: 'https://sso.example.com', clientId: '  ' } }],
    ['an issuer that is no URL', { oidc: { authority: 'closeloop-local', clientId: 'c' } }],
    ['an issuer that is not http(s)', { oidc: { authority: 'javascript:alert(1)', clientId: 'c' } }],
    ['an oidc block that is not an object', { oidc: 'yes' }],
  ])('leaves the identity provider out for %s', (_what, json) => {
    expect(signInSettingsOf(json).oidc).toBeUndefined();
  });

  it('offers sign-in links only when the server says it takes them', () => {
    expect(signInSettingsOf({ localSignIn: true }).localSignIn).toBe(true);
    expect(signInSettingsOf({ localSignIn: 'true' }).localSignIn).toBe(false);
    expect(signInSettingsOf(null)).toEqual({ localSignIn: false });
  });
});
