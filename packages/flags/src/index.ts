export {
  applyAssignments,
  copyDefaultFlagFile,
  DEFAULT_FLAG_FILE,
  type FlagDefinition,
  FlagError,
  type FlagFile,
  type FlagState,
  type FlagValue,
  listFlags,
  parseAssignments,
  readFlagFile,
  setFlags,
} from './flag-file';
export {
  type FlagDefaults,
  type FlagReader,
  type FlagSnapshot,
  type FlagSource,
  type InMemoryFlags,
  startFlags,
  startFlagsInMemory,
  stopFlags,
} from './flag-reader';
