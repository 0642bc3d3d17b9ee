/** The value of `--name=value` on the command line, or `fallback` when it is not given. */
export function option(name: string, fallback: string): string {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}
