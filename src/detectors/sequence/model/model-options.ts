/** The next-key model's settings (`NextKeyModel`), checked by `validateOptions` when a model is made or read. */
export interface NextKeyModelOptions {
  /** h: keys of history. Training keeps every suffix up to this length, so detection may use less. */
  historyLength: number;
  /** g: how many of the most frequent next keys are accepted. */
  topG: number;
  /**
   * Back-off when a history is rarer than the full h keys: the longest suffix that was seen gives
   * the candidates (the nearest seen history, as Katz back-off does). With `padCandidates`, when it
   * offers fewer than g keys the list is filled up to g from ever shorter suffixes, so g keys are
   * always accepted as an LSTM's top-g would; without it a key never seen after that suffix is
   * always rejected (STIDE-like, many false alarms on interleaved logs).
   */
  padCandidates: boolean;
  /**
   * How many keys of history judge the end token, never padded; null treats END like any key.
   * Padding lets an early end through (END is frequent in short histories), so the end gets its own
   * short history: a session may stop only where sessions stopped in training after the same keys.
   */
  endHistoryLength: number | null;
  /**
   * Sessions shorter than floor(min · (1 − m)) or longer than ceil(max · (1 + m)) keys, with
   * [min, max] the training lengths, are anomalous; null turns the check off.
   */
  lengthMargin: number | null;
  /**
   * The same range check per key: a session in which some training key occurs fewer than
   * floor(min · (1 − m)) or more than ceil(max · (1 + m)) times, with [min, max] that key's
   * per-session counts in training, is anomalous; null turns it off. It catches what order cannot
   * on interleaved logs: a replica that never reported, a step repeated, a block deleted twice.
   */
  countMargin: number | null;
}
