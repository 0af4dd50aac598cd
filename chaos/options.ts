/** Command-line options of the fault and cluster programs: `--name value` pairs and flags. */

export function optionValue(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}

/** `--name a,b`: each must be one of `allowed`; absent, `fallback`. Throws naming the allowed values. */
export function listOption<T extends string>(argv: string[], name: string, allowed: readonly T[], fallback: readonly T[] = allowed): T[] {
  const given = optionValue(argv, name);
  const values = (given === undefined ? [...fallback] : given.split(',').filter(Boolean)) as T[];
  for (const value of values) if (!allowed.includes(value)) throw new Error(`unknown ${name} value ${JSON.stringify(value)}; use some of ${allowed.join(',')}`);
  return values;
}
