/**
 * Something the tests of the enclosing describe block share (a server, a database): started before them (before each
 * one with `perTest`) and stopped after, ahead of any after-hook declared later (Jest runs them in order). What is
 * returned stands for it once it has started: read it in tests and hooks declared after this call, not while the
 * block is declared.
 */
export const useSuiteResource = <Resource extends object>(
  what: string,
  start: () => Promise<Resource>,
  stop: (resource: Resource) => Promise<unknown>,
  options: { readonly perTest?: boolean } = {},
): Resource => {
  let current: Resource | undefined;
  const ready = (): Resource => {
    if (!current) throw new Error(`${what} is started before the tests run: read it in a test or a hook`);
    return current;
  };
  (options.perTest ? beforeEach : beforeAll)(async () => {
    current = await start();
  });
  (options.perTest ? afterEach : afterAll)(async () => {
    const started = current;
    current = undefined;
    if (started) await stop(started);
  });
  // Methods are bound to the resource itself, so one that reads private class fields works through the stand-in.
  return new Proxy({} as Resource, {
    get: (_target, field) => {
      const resource = ready();
      const value: unknown = Reflect.get(resource, field);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(resource) : value;
    },
  });
};
