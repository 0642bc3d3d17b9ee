import type { VolumeOptions } from "../../src/detectors/volume.js";

/**
 * The volume detector's options the detector tests run with: 5-minute intervals, judged after 12 of them,
 * a seasonal profile after 3 days, per service only. `overrides` change what a test is about.
 */
export function volumeOptions(overrides: Partial<VolumeOptions> = {}): VolumeOptions {
  return {
    intervalSecs: 300,
    minHistory: 12,
    historyIntervals: 48,
    sensitivity: 4,
    minCount: 10,
    seasonalDays: 3,
    perTemplate: false,
    maxTemplateKeys: 100,
    maxKeys: 100,
    ...overrides,
  };
}
