/** The packages bundled into `<out>/vendor/` (see bundle-deps.mjs). */
export declare const BUNDLED: readonly string[];
/** Bundles BUNDLED into `outDir/vendor` and points `outDir`'s modules at them; the number of modules rewritten. */
export declare function bundleDependencies(outDir: string): Promise<number>;
/** The thread entry modules `bundleThreadEntries` builds into one file each. */
export declare const THREAD_ENTRIES: readonly string[];
/** Builds each thread entry of a fresh build in `outDir` into one file, in place. */
export declare function bundleThreadEntries(outDir: string): Promise<void>;
