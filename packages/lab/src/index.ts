export { consoleServiceEnv, startLabConsole } from './console/lab-console';
export { parsePrometheusText, type Sample } from './run/prometheus-text';
export { waitForFlags } from './run/wait-for-flags';
export { migrateAll, reset, seed, withPool } from './stack/data';
export { checkInfrastructure } from './stack/infrastructure';
export { type RunningLab, startLab } from './stack/lab';
export { consolePort, consoleUrl, type LabOptions, labOptions, portOf, urlOf } from './stack/lab-options';
export { newSecrets } from './stack/lab-secrets';
export { type LabState, readLabState } from './stack/lab-state';
export {
  ALERT_RULES,
  prometheusConfig,
  type RunningPrometheus,
  startPrometheus,
} from './stack/prometheus';
export { isReady } from './stack/readiness';
export { labServices, type ServiceProcess } from './stack/services';
export { SERVICE_NODE_FLAGS, Supervisor } from './stack/supervisor';
