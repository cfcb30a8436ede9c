export { capacityCurveSvg, capacityOverloadSvg } from './capacity/render-capacity';
export { checkInfrastructure } from './clients/infrastructure';
export {
  ALERT_RULES,
  prometheusConfig,
  type RunningPrometheus,
  startPrometheus,
} from './clients/prometheus';
export { parsePrometheusText, type Sample } from './clients/prometheus-text';
export { waitForFlags } from './clients/wait-for-flags';
export { detect, type Finding, type Observation, suspect } from './drill/detector';
export { type Detection, observeLab, sweepFaults } from './drill/sweep';
export { consolePort, consoleUrl, type LabOptions, labOptions, portOf, urlOf } from './settings/lab-options';
export { newSecrets } from './settings/lab-secrets';
export { labServices, type ServiceProcess } from './settings/services';
export { migrateAll, reset, seed, withPool } from './shop-data/data';
export { type RunningLab, startLab } from './supervisor/lab';
export { consoleServiceEnv, startLabConsole } from './supervisor/lab-console';
export { type LabState, readLabState } from './supervisor/lab-state';
export { isReady } from './supervisor/readiness';
export { SERVICE_NODE_FLAGS, Supervisor } from './supervisor/supervisor';
