/**
 * The security rules as the auth tests build them: the defaults of src/config/schema.ts, with small key
 * caps, so each test file builds the same detector and only says what it changes.
 */
import { NewSourceIpDetector, type NewSourceIpOptions } from "../../../src/detectors/auth/new-source-ip.js";
import {
  SuccessAfterFailuresDetector,
  type SuccessAfterFailuresOptions,
} from "../../../src/detectors/auth/success-after-failures.js";
import {
  UnusualLoginHourDetector,
  type UnusualLoginHourOptions,
} from "../../../src/detectors/auth/unusual-login-hour.js";

export const successAfterFailures = (o: Partial<SuccessAfterFailuresOptions> = {}) =>
  new SuccessAfterFailuresDetector({
    windowSecs: 900,
    minFailures: 5,
    slowWindowSecs: 14_400,
    slowMinFailures: 15,
    maxKeys: 100,
    ...o,
  });

export const newSourceIp = (o: Partial<NewSourceIpOptions> = {}) =>
  new NewSourceIpDetector({
    warmupLogins: 5,
    warmupSecs: 86_400,
    prefixV4: 24,
    blockPrefixV4: 16,
    maxNetworksPerUser: 10,
    sharedNetworkUsers: 3,
    trustKnownKeys: true,
    maxKeys: 100,
    ...o,
  });

export const unusualLoginHour = (o: Partial<UnusualLoginHourOptions> = {}) =>
  new UnusualLoginHourDetector({
    minLogins: 5,
    minQuietHours: 8,
    cooldownSecs: 21_600,
    historyLogins: 500,
    maxKeys: 100,
    ...o,
  });
