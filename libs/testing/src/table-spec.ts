// ── Table-driven specs ───────────────────────────────────────────────────────────────────────────────────────
// Many specs check a pure function against a table of inputs. These helpers write the `it.each` and its
// expectation once, so a table keeps only its data. Every row is still its own test, named by `title` formatted
// with the row's cells (jest's `%s`, `%p`, `%j`…), so a failure names the case.
//
// A row of `itMaps` may start with a label that only names the case in the title: `[input, expected]` or
// `[label, input, expected]`; its last two cells are always the input and what `fn` must make of it.

type Row<Input, Expected> = readonly [Input, Expected] | readonly [string, Input, Expected];

/** One test per row: `fn(input)` equals the row's expected value. */
export const itMaps = <Input, Output>(
  title: string,
  fn: (input: Input) => Output,
  rows: readonly Row<Input, Output>[],
): void => {
  it.each(rows.map((row) => [...row]))(title, (...row: unknown[]) => {
    const [input, expected] = row.slice(-2) as [Input, Output];
    expect(fn(input)).toEqual(expected);
  });
};

/** One test per `[label, input]` row: `fn` hands the input back unchanged. */
export const itKeeps = <Input>(
  title: string,
  fn: (input: Input) => Input,
  rows: readonly (readonly [string, Input])[],
): void => {
  it.each(rows.map((row) => [...row]))(title, (_label, input) => {
    expect(fn(input as Input)).toEqual(input);
  });
};

/** One test per input: `problemOf` finds no problem with it. */
export const itAccepts = <Input>(
  title: string,
  problemOf: (input: Input) => string | undefined,
  inputs: readonly Input[],
): void => {
  it.each(inputs.map((input) => [input]))(title, (input) => {
    expect(problemOf(input as Input)).toBeUndefined();
  });
};

/** One test per `[input, reason]` row: `problemOf(input)` names a problem that contains the reason. */
export const itRefuses = <Input>(
  title: string,
  problemOf: (input: Input) => string | undefined,
  rows: readonly (readonly [Input, string])[],
): void => {
  it.each(rows.map((row) => [...row]))(title, (input, reason) => {
    expect(problemOf(input as Input)).toContain(reason);
  });
};
