export { BUNDLE_FORMAT, EXPORT_EVENT_TYPE, LINE_KINDS, claimIdOfStream, exportStreamId, incidentIdOfStream, sourceLine, type LineKind } from './format.js';
export { BundleWriter } from './bundle-writer.js';
export { ProvBuilder, PROV_PREFIX, PROV_SECTIONS, activityType, provDifference, provIds, type EventLocation, type ProvDifference } from './prov.js';
export { claimSummaryHtml, type ClaimSummaryInput } from './summary-html.js';
export {
  verifyBundle,
  type BundleCheck,
  type BundleFailure,
  type BundleInput,
  type BundleVerdict,
  type BundleVerified,
  type ConsistencyChecked,
  type VerifyBundleOptions,
} from './verify-bundle.js';
export {
  BundleUsageError,
  STANDALONE_USAGE,
  describeBundleFailure,
  describeBundleSuccess,
  parseVerifyBundleArgs,
  runVerifyBundle,
  verifyBundleMain,
  type CommandOutput,
  type VerifyBundleRequest,
} from './verify-bundle-cli.js';
