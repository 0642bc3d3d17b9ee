/**
 * The source of a worker thread whose whole body is `main`, for `new Worker(source, { eval: true })`: a
 * worker file would need a path that exists under tsx, the test build and `dist/` alike, and an evaluated
 * function runs the same in all three.
 *
 * Why the `__name` line: tsx (esbuild with `keepNames`) wraps inner functions of the body in calls to its
 * own `__name` helper, which lives in the module, not in the function's text; evaluated alone, the body
 * then fails with "__name is not defined". The stand-in keeps the function as it is.
 */
export function workerSource(main: () => void): string {
  return `var __name = (fn) => fn;\n(${main.toString()})();`;
}
