/** The binary module of a `.wat` file. */
export function compileWat(path: string): Promise<Buffer>;
/** The TypeScript module that holds a `.wat` file's binary. */
export function wasmModuleSource(watPath: string): Promise<string>;
