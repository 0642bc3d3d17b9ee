export { maskToken, paramType, WILDCARD } from "./mask.js";
export { DrainMiner } from "./miner.js";
export { DEFAULT_OPTIONS, type DrainOptions } from "./options.js";
export type { MinerState, StreamState, TemplateState } from "./state.js";
export { templateIdOf } from "./template-id.js";
