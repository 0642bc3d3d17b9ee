/** The packages bundled into `<out>/vendor/` (see bundle-deps.mjs). */
export declare const BUNDLED: readonly string[];
/** Bundles BUNDLED into `outDir/vendor` and points `outDir`'s modules at them; the number of modules rewritten. */
export declare function bundleDependencies(outDir: string): Promise<number>;
